// The vllm-kind emulator: health, metrics, LoRA adapters, error shape and usage details.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startEmulator } from './index.js';
import type { Emulator } from './index.js';

const BASE = 'meta-llama/Llama-3.1-8B-Instruct';
const longPrompt = 'the quick brown fox jumps over the lazy dog '.repeat(12);

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`));
  assert.ok(line, `metric ${name} present`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('vllm emulator', () => {
  let emulator: Emulator;
  let client: OpenAI;

  before(async () => {
    emulator = await startEmulator({
      kind: 'vllm',
      name: 'replica-a',
      models: [BASE],
      loraAdapters: ['sql-lora', 'chat-lora'],
    });
    client = new OpenAI({ apiKey: 'EMPTY', baseURL: `${emulator.url}/v1`, maxRetries: 0 });
  });
  after(() => emulator.close());

  test('models list has the base model and adapters with parent/root', async () => {
    const page = await client.models.list();
    const cards = page.data as unknown as {
      id: string;
      parent: string | null;
      root: string;
      owned_by: string;
    }[];
    assert.deepEqual(
      cards.map((card) => [card.id, card.parent]),
      [
        [BASE, null],
        ['sql-lora', BASE],
        ['chat-lora', BASE],
      ],
    );
    assert.equal(cards[0]?.root, BASE);
    assert.equal(cards[1]?.root, '/adapters/sql-lora');
    assert.equal(cards[0]?.owned_by, 'vllm');
  });

  test('adapters are accepted as model; unknown model is 404 NotFoundError in vLLM shape', async () => {
    const reply = await client.chat.completions.create({
      model: 'sql-lora',
      messages: [{ role: 'user', content: 'select all' }],
    });
    assert.equal(reply.model, 'sql-lora');
    assert.equal(reply.choices[0]?.message.content, 'Echo: select all');
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'missing-lora', messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), {
      error: {
        message: 'The model `missing-lora` does not exist.',
        type: 'NotFoundError',
        param: 'model',
        code: 404,
      },
    });
  });

  test('model is optional: the served model answers', async () => {
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'no model' }] }),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { model: string }).model, BASE);
  });

  test('usage: prompt_tokens_details is null without the flag; same in stream', async () => {
    const request = { model: BASE, messages: [{ role: 'user' as const, content: 'hello vllm' }] };
    const plain = await client.chat.completions.create(request);
    assert.deepEqual(plain.usage, {
      prompt_tokens: 7,
      total_tokens: 10,
      completion_tokens: 3,
      prompt_tokens_details: null,
    });
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } }),
    });
    const events = (await response.text()).split('\n\n').filter(Boolean);
    assert.equal(events.at(-1), 'data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice(6)));
    // vLLM serialises normal chunks with exclude_unset: no usage key, no obfuscation.
    for (const chunk of chunks.slice(0, -1)) {
      assert.equal('usage' in chunk, false);
      assert.equal('obfuscation' in chunk, false);
    }
    const finish = chunks.at(-2);
    assert.equal(finish.choices[0].finish_reason, 'stop');
    assert.equal(finish.choices[0].stop_reason, null);
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.deepEqual(chunks.at(-1).usage, plain.usage);
  });

  test('with promptTokensDetails, cached tokens come from the prefix cache per model', async () => {
    const detailed = await startEmulator({
      kind: 'vllm',
      models: [BASE],
      loraAdapters: ['a'],
      promptTokensDetails: true,
    });
    try {
      const sdk = new OpenAI({ apiKey: 'EMPTY', baseURL: `${detailed.url}/v1`, maxRetries: 0 });
      const ask = (model: string): Promise<OpenAI.ChatCompletion> =>
        sdk.chat.completions.create({ model, messages: [{ role: 'user', content: longPrompt }] });
      const first = await ask(BASE);
      assert.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
      const second = await ask(BASE);
      const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
      assert.ok(cached > 0 && cached % 16 === 0, `cached ${cached}`);
      // Prefixes are not shared across LoRA adapters (the adapter is part of the block hash).
      const adapter = await ask('a');
      assert.equal(adapter.usage?.prompt_tokens_details?.cached_tokens, 0);
      const metrics = await (await fetch(`${detailed.url}/metrics`)).text();
      assert.equal(metricValue(metrics, 'vllm:prefix_cache_hits_total'), cached);
      assert.equal(
        metricValue(metrics, 'vllm:prefix_cache_queries_total'),
        3 * (first.usage?.prompt_tokens ?? 0),
      );
    } finally {
      await detailed.close();
    }
  });

  test('/metrics reports the real in-flight count with HELP/TYPE lines', async () => {
    const metricsBefore = await (await fetch(`${emulator.url}/metrics`)).text();
    assert.match(metricsBefore, /# HELP vllm:num_requests_running /);
    assert.match(metricsBefore, /# TYPE vllm:num_requests_running gauge/);
    assert.match(metricsBefore, /# TYPE vllm:prefix_cache_queries_total counter/);
    assert.match(
      metricsBefore,
      new RegExp(`vllm:num_requests_running\\{engine="0",model_name="${BASE}"\\} 0\\.0`),
    );
    assert.equal(metricValue(metricsBefore, 'vllm:num_requests_waiting'), 0);
    assert.equal(metricValue(metricsBefore, 'vllm:kv_cache_usage_perc'), 0);

    emulator.setFaults({ hang: 'before-headers', count: 2 });
    const controller = new AbortController();
    const pending = [1, 2].map(() =>
      client.chat.completions
        .create(
          { model: BASE, messages: [{ role: 'user', content: 'wait' }] },
          { signal: controller.signal },
        )
        .catch(() => undefined),
    );
    while (emulator.stats().inFlight < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const metricsDuring = await (await fetch(`${emulator.url}/metrics`)).text();
    assert.equal(metricValue(metricsDuring, 'vllm:num_requests_running'), 2);
    assert.ok(metricValue(metricsDuring, 'vllm:kv_cache_usage_perc') > 0);
    controller.abort();
    await Promise.all(pending);
    while (emulator.stats().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const metricsAfter = await (await fetch(`${emulator.url}/metrics`)).text();
    assert.equal(metricValue(metricsAfter, 'vllm:num_requests_running'), 0);
  });

  test('/health is 200 empty, 503 while a 503 fault is set; chat gets the vLLM error shape', async () => {
    const healthy = await fetch(`${emulator.url}/health`);
    assert.equal(healthy.status, 200);
    assert.equal(await healthy.text(), '');
    emulator.setFaults({ status: 503 });
    assert.equal((await fetch(`${emulator.url}/health`)).status, 503);
    await assert.rejects(
      client.chat.completions.create({ model: BASE, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 503);
        assert.equal(error.type, 'ServiceUnavailableError');
        assert.equal(error.code, 503);
        return true;
      },
    );
    emulator.clearFaults();
    assert.equal((await fetch(`${emulator.url}/health`)).status, 200);
  });

  test('mid-stream error in vLLM shape followed by [DONE]; the SDK raises it', async () => {
    emulator.setFaults({ midStreamError: true, count: 2 });
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: BASE,
        messages: [{ role: 'user', content: 'a b c d' }],
        stream: true,
      }),
    });
    const text = await response.text();
    assert.match(
      text,
      /data: \{"error":\{"message":"Internal Server Error","type":"InternalServerError","param":null,"code":500\}\}\n\ndata: \[DONE\]\n\n$/,
    );
    const stream = await client.chat.completions.create({
      model: BASE,
      messages: [{ role: 'user', content: 'a b c d' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _chunk of stream) {
        // drain
      }
    }, OpenAI.APIError);
  });

  test('embeddings default to 384 dimensions', async () => {
    const result = await client.embeddings.create({ model: BASE, input: 'vector me' });
    assert.equal(result.data[0]?.embedding.length, 384);
  });

  test('flat legacy error shape and --api-key style 401', async () => {
    const legacy = await startEmulator({
      kind: 'vllm',
      models: [BASE],
      vllmErrorShape: 'flat',
      apiKey: 'token',
    });
    try {
      const noKey = await fetch(`${legacy.url}/v1/models`);
      assert.equal(noKey.status, 401);
      assert.deepEqual(await noKey.json(), { error: 'Unauthorized' });
      const response = await fetch(`${legacy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer token' },
        body: JSON.stringify({ model: BASE }),
      });
      assert.equal(response.status, 400);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.object, 'error');
      assert.equal(body.type, 'BadRequestError');
      assert.equal(body.code, 400);
      assert.equal((await fetch(`${legacy.url}/health`)).status, 200);
    } finally {
      await legacy.close();
    }
  });
});
