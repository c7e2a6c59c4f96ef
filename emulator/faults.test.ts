// Fault injection through the API and the /_emulator control routes, seen by the openai SDK.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startEmulator } from './index.js';
import type { Emulator, EmulatorEvent, EmulatorEventMap } from './index.js';

function nextEvent<E extends EmulatorEvent>(
  target: Emulator,
  event: E,
): Promise<EmulatorEventMap[E]> {
  return new Promise((resolve) => target.once(event, resolve));
}

const messages = [{ role: 'user' as const, content: 'one two three four five six' }];

describe('faults', () => {
  let emulator: Emulator;
  let client: OpenAI;

  beforeEach(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${emulator.url}/v1`, maxRetries: 0 });
  });
  afterEach(() => emulator.close());

  const chat = (): Promise<OpenAI.ChatCompletion> =>
    client.chat.completions.create({ model: 'm', messages });
  const rawStream = async (): Promise<string> => {
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    return response.text();
  };

  test('status 429 with retry-after in OpenAI shape', async () => {
    emulator.setFaults({ status: 429, retryAfter: '7' });
    const error = await chat().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.headers.get('retry-after'), '7');
    assert.equal(error.type, 'requests');
    assert.equal(error.code, 'rate_limit_exceeded');
  });

  test('status 500 and 503 in OpenAI shape; errorType overrides type and code', async () => {
    emulator.setFaults([
      { status: 500, count: 1 },
      { status: 503, count: 1 },
      { status: 429, errorType: 'insufficient_quota', count: 1 },
    ]);
    await assert.rejects(chat(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError);
      assert.equal(error.status, 500);
      assert.equal(error.type, 'server_error');
      return true;
    });
    await assert.rejects(chat(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError);
      assert.equal(error.status, 503);
      assert.match(error.message, /overloaded/);
      return true;
    });
    await assert.rejects(chat(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.type, 'insufficient_quota');
      assert.equal(error.code, 'insufficient_quota');
      return true;
    });
    assert.equal((await chat()).choices[0]?.finish_reason, 'stop');
  });

  test('path filter and clearFaults', async () => {
    emulator.setFaults({ status: 500, path: '/v1/embeddings' });
    assert.ok(await chat());
    await assert.rejects(
      client.embeddings.create({ model: 'm', input: 'x' }),
      OpenAI.InternalServerError,
    );
    emulator.clearFaults();
    assert.ok(await client.embeddings.create({ model: 'm', input: 'x' }));
  });

  test('probability is reproducible with the same seed', async () => {
    const pattern = async (target: Emulator): Promise<string> => {
      target.setFaults({ status: 500, probability: 0.5 });
      const sdk = new OpenAI({ apiKey: 'k', baseURL: `${target.url}/v1`, maxRetries: 0 });
      let result = '';
      for (let index = 0; index < 16; index++) {
        result += await sdk.chat.completions.create({ model: 'm', messages }).then(
          () => '.',
          () => 'x',
        );
      }
      return result;
    };
    const first = await pattern(emulator);
    const twin = await startEmulator({ kind: 'openai', seed: 1 });
    try {
      assert.equal(await pattern(twin), first);
    } finally {
      await twin.close();
    }
    assert.match(first, /x/);
    assert.match(first, /\./);
  });

  test('hang before headers: the client abort is seen as client-closed', async () => {
    emulator.setFaults({ hang: 'before-headers' });
    const closed = nextEvent(emulator, 'client-closed');
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: 'm', messages },
      { signal: controller.signal },
    );
    await nextEvent(emulator, 'request');
    controller.abort();
    await assert.rejects(pending, OpenAI.APIUserAbortError);
    const payload = await closed;
    assert.equal(payload.path, '/v1/chat/completions');
    const stats = emulator.stats();
    assert.equal(stats.aborted, 1);
    assert.equal(stats.inFlight, 0);
    assert.equal(stats.received, 1);
  });

  test('hang mid-stream: content arrives, then nothing until the client leaves', async () => {
    emulator.setFaults({ hang: 'mid-stream', afterChunks: 2 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'm', messages, stream: true },
      { signal: controller.signal },
    );
    const closed = nextEvent(emulator, 'client-closed');
    let contentChunks = 0;
    // The SDK ends the iteration quietly when its own signal aborts.
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) contentChunks++;
      if (contentChunks === 2) setTimeout(() => controller.abort(), 20);
    }
    await closed;
    assert.equal(contentChunks, 2);
    assert.equal(emulator.stats().aborted, 1);
  });

  test('hang after headers: the status arrives, the body never does', async () => {
    emulator.setFaults({ hang: 'after-headers' });
    const controller = new AbortController();
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages, stream: true }),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /event-stream/);
    const closed = nextEvent(emulator, 'client-closed');
    controller.abort();
    await closed;
  });

  test('close() does not wait for hanging requests', async () => {
    emulator.setFaults({ hang: 'before-headers' });
    const pending = chat().catch((error: unknown) => error);
    await nextEvent(emulator, 'request');
    await emulator.close();
    assert.ok((await pending) instanceof OpenAI.APIConnectionError);
  });

  test('reset before headers and mid-stream', async () => {
    emulator.setFaults([
      { reset: 'before-headers', count: 1 },
      // The delay lets the client read the first chunks: a reset discards unread data.
      { reset: 'mid-stream', chunkDelayMs: 30, count: 1 },
    ]);
    await assert.rejects(chat(), OpenAI.APIConnectionError);
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let content = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    });
    assert.equal(content, 'Echo: one ');
    assert.equal(emulator.stats().aborted, 0);
  });

  test('truncate: a clean end without finish_reason, usage or [DONE]', async () => {
    emulator.setFaults({ truncate: true, afterChunks: 3 });
    const text = await rawStream();
    assert.doesNotMatch(text, /\[DONE\]/);
    assert.doesNotMatch(text, /"finish_reason":"stop"/);
    assert.doesNotMatch(text, /"usage":\{/);
    assert.equal((text.match(/"content":"[^"]+"/g) ?? []).length, 3);
    assert.equal(emulator.stats().completed, 1);
  });

  test('malformed: one data line that is not JSON, then the stream goes on', async () => {
    emulator.setFaults({ malformed: true });
    const text = await rawStream();
    const bad = text
      .split('\n\n')
      .filter((event) => event.startsWith('data: ') && event !== 'data: [DONE]')
      .filter((event) => {
        try {
          JSON.parse(event.slice(6));
          return false;
        } catch {
          return true;
        }
      });
    assert.equal(bad.length, 1);
    assert.match(text, /data: \[DONE\]/);
  });

  test('mid-stream error: in-band error object that the SDK raises, no [DONE]', async () => {
    emulator.setFaults({ midStreamError: true, afterChunks: 1 });
    const text = await rawStream();
    assert.match(text, /data: \{"error":\{"message":"[^"]+","type":"server_error"/);
    assert.doesNotMatch(text, /\[DONE\]/);
    emulator.setFaults({ midStreamError: true });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let content = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    }, OpenAI.APIError);
    assert.equal(content, 'Echo: one ');
  });

  test('latency, ttft and chunk delay are applied', async () => {
    emulator.setFaults({ latencyMs: 60, ttftMs: 60, chunkDelayMs: 15 });
    const started = performance.now();
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    const headersAt = performance.now() - started;
    const times: number[] = [];
    for await (const _chunk of stream) times.push(performance.now() - started);
    assert.ok(headersAt >= 55, `headers after ${headersAt}ms`);
    assert.ok((times[0] ?? 0) >= 110, `first chunk after ${times[0]}ms`);
    assert.ok((times.at(-1) ?? 0) - (times[0] ?? 0) >= 15 * (times.length - 1) - 5);
  });

  test('endDelayMs: [DONE] arrives at once, the body ends that much later', async () => {
    emulator.setFaults({ endDelayMs: 300 });
    const started = performance.now();
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, stream: true }),
    });
    let text = '';
    let doneAt = 0;
    const decoder = new TextDecoder();
    for await (const piece of response.body!) {
      text += decoder.decode(piece, { stream: true });
      if (doneAt === 0 && text.endsWith('data: [DONE]\n\n')) doneAt = performance.now() - started;
    }
    const endedAt = performance.now() - started;
    assert.ok(doneAt > 0, 'the stream carried [DONE]');
    assert.ok(endedAt - doneAt >= 250, `[DONE] at ${doneAt} ms, end at ${endedAt} ms`);
    assert.equal(emulator.stats().completed, 1);
  });

  test('reply override', async () => {
    emulator.setFaults({ reply: 'fixed answer here', count: 1 });
    assert.equal((await chat()).choices[0]?.message.content, 'fixed answer here');
    assert.notEqual((await chat()).choices[0]?.message.content, 'fixed answer here');
  });

  test('non-stream body faults: truncate gives invalid JSON', async () => {
    emulator.setFaults({ truncate: true });
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages }),
    });
    assert.equal(response.status, 200);
    assert.throws(() => JSON.parse('') as unknown);
    const text = await response.text();
    assert.throws(() => JSON.parse(text) as unknown);
  });

  test('control API over HTTP', async () => {
    const control = (method: string, path: string, body?: unknown): Promise<Response> => {
      const init: RequestInit = { method };
      if (body !== undefined) init.body = JSON.stringify(body);
      return fetch(`${emulator.url}/_emulator/${path}`, init);
    };
    assert.equal((await control('POST', 'faults', { nonsense: 1 })).status, 400);
    assert.equal((await control('POST', 'faults', [{ status: 503, count: 1 }])).status, 200);
    await assert.rejects(
      chat(),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 503,
    );
    assert.ok(await chat());
    assert.equal((await control('POST', 'faults', { status: 500 })).status, 200);
    assert.equal((await control('DELETE', 'faults')).status, 200);
    assert.ok(await chat());
    const stats = (await (await control('GET', 'stats')).json()) as Record<string, number>;
    assert.equal(stats.received, 3);
    assert.equal(stats.completed, 3);
    assert.equal(stats.inFlight, 0);
    const recorded = (await (await control('GET', 'requests')).json()) as { path: string }[];
    assert.equal(recorded.length, 3);
    assert.equal(recorded[0]?.path, '/v1/chat/completions');
  });
});
