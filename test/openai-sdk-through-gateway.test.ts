// The official openai client, pointed at the gateway, pointed at the emulator: answers, streams,
// usage, tools, embeddings and models come through unchanged.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { subscribeRequestFinished, type RequestFinishedEvent } from '../src/telemetry/events.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

describe('openai SDK through the gateway', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  let viaGateway: OpenAI;
  let direct: OpenAI;
  const finished: RequestFinishedEvent[] = [];
  let unsubscribe: () => void;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai', apiKey: 'sk-upstream-secret' });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1`, apiKey: 'sk-upstream-secret' } },
        {
          fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
          embed: [{ provider: 'upstream', model: 'text-embedding-3-small' }],
        },
      ),
    );
    viaGateway = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    direct = new OpenAI({
      baseURL: `${emulator.url}/v1`,
      apiKey: 'sk-upstream-secret',
      maxRetries: 0,
    });
    unsubscribe = subscribeRequestFinished((event) => finished.push(event));
  });

  after(async () => {
    unsubscribe();
    await gateway.close();
    await emulator.close();
  });

  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Name three rivers in Europe please' },
  ];

  it('answers a non-streaming request with the upstream answer and usage', async () => {
    const { data, response } = await viaGateway.chat.completions
      .create({ model: 'fast', messages, temperature: 0 })
      .withResponse();
    const expected = await direct.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      temperature: 0,
    });
    assert.equal(data.choices[0]?.message.content, expected.choices[0]?.message.content);
    assert.equal(data.choices[0]?.finish_reason, 'stop');
    assert.equal(data.usage?.prompt_tokens, expected.usage?.prompt_tokens);
    assert.equal(data.usage?.completion_tokens, expected.usage?.completion_tokens);
    assert.equal(response.headers.get('x-switchyard-provider'), 'upstream');
    assert.equal(response.headers.get('x-switchyard-model'), 'gpt-4o-mini');
    assert.equal(response.headers.get('x-switchyard-attempts'), '1');
    assert.match(response.headers.get('x-switchyard-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const upstreamRequest = emulator.requests.at(-2);
    assert.equal((upstreamRequest?.body as { model: string }).model, 'gpt-4o-mini');
    assert.equal(upstreamRequest?.headers.authorization, 'Bearer sk-upstream-secret');
  });

  it('streams the same content and usage as the emulator gives directly', async () => {
    const collect = async (client: OpenAI, model: string) => {
      const stream = await client.chat.completions.create({
        model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined | null;
      let finish: string | null | undefined;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks += 1;
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      return { text, usage, finish, chunks };
    };
    const through = await collect(viaGateway, 'fast');
    const straight = await collect(direct, 'gpt-4o-mini');
    assert.ok(through.text.length > 0);
    assert.equal(through.text, straight.text);
    assert.equal(through.finish, 'stop');
    assert.deepEqual(through.usage, straight.usage);
    assert.equal(through.chunks, straight.chunks);
  });

  it('always asks the upstream for usage but strips the usage chunk the client did not ask for', async () => {
    const before = finished.length;
    const stream = await viaGateway.chat.completions.create({
      model: 'fast',
      messages,
      stream: true,
    });
    let sawUsage = false;
    let lastChunkHadChoices = true;
    for await (const chunk of stream) {
      if (chunk.usage) sawUsage = true;
      lastChunkHadChoices = chunk.choices.length > 0;
    }
    assert.equal(sawUsage, false);
    assert.equal(lastChunkHadChoices, true);
    const upstreamBody = emulator.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(upstreamBody.stream_options, { include_usage: true });
    await waitFor(() => finished.length > before);
    const usage = finished.at(-1)?.context.usage;
    assert.ok(
      usage && usage.input.total > 0 && usage.output.total > 0,
      'the gateway knows the real usage',
    );
  });

  it('passes tool calls through, with streamed arguments that parse as JSON', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' }, days: { type: 'number' } },
            required: ['city', 'days'],
          },
        },
      },
    ];
    const completion = await viaGateway.chat.completions.create({ model: 'fast', messages, tools });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(call?.type === 'function' ? call.function.name : undefined, 'get_weather');
    const stream = viaGateway.chat.completions.stream({ model: 'fast', messages, tools });
    const final = await stream.finalChatCompletion();
    const streamedCall = final.choices[0]?.message.tool_calls?.[0];
    assert.ok(streamedCall?.type === 'function');
    assert.deepEqual(
      JSON.parse(streamedCall.function.arguments),
      JSON.parse(call?.type === 'function' ? call.function.arguments : ''),
    );
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it('passes unknown request fields to OpenAI-style backends unchanged', async () => {
    await viaGateway.chat.completions.create({
      model: 'fast',
      messages,
      // vLLM extensions the gateway does not model
      top_k: 7,
      guided_json: { type: 'object' },
      chat_template_kwargs: { enable_thinking: false },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const body = emulator.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(body.top_k, 7);
    assert.deepEqual(body.guided_json, { type: 'object' });
    assert.deepEqual(body.chat_template_kwargs, { enable_thinking: false });
  });

  it('serves embeddings, float and the SDK default base64', async () => {
    const viaBase64 = await viaGateway.embeddings.create({
      model: 'embed',
      input: ['hello', 'world'],
    });
    const viaFloat = await viaGateway.embeddings.create({
      model: 'embed',
      input: 'hello',
      encoding_format: 'float',
    });
    const expected = await direct.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello',
      encoding_format: 'float',
    });
    assert.equal(viaBase64.data.length, 2);
    assert.deepEqual(viaFloat.data[0]?.embedding, expected.data[0]?.embedding);
    assert.equal(viaBase64.data[0]?.embedding.length, expected.data[0]?.embedding.length);
    assert.ok(
      Math.abs((viaBase64.data[0]?.embedding[0] ?? 0) - (expected.data[0]?.embedding[0] ?? 1)) <
        1e-6,
    );
    assert.equal(viaFloat.usage.prompt_tokens, expected.usage.prompt_tokens);
  });

  it('lists the configured aliases as models', async () => {
    const models = [];
    for await (const model of viaGateway.models.list()) models.push(model.id);
    assert.deepEqual(models.sort(), ['embed', 'fast']);
  });
});
