// The openai-kind emulator seen through the official openai SDK and raw HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startEmulator } from './index.js';
import type { Emulator } from './index.js';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer' },
        detail: {
          type: 'object',
          properties: { hourly: { type: 'boolean' } },
          required: ['hourly'],
        },
        note: { type: 'string' },
      },
      required: ['city', 'unit', 'days', 'detail'],
    },
  },
};

describe('openai emulator', () => {
  let emulator: Emulator;
  let client: OpenAI;

  before(async () => {
    emulator = await startEmulator({
      kind: 'openai',
      name: 'oa-1',
      models: ['gpt-4o-mini', 'gpt-4o'],
    });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${emulator.url}/v1`, maxRetries: 0 });
  });
  after(() => emulator.close());

  test('non-stream reply echoes the last user message with full usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be terse.' },
        {
          role: 'user',
          content: 'one two three four five six seven eight nine ten eleven twelve thirteen',
        },
      ],
    });
    assert.equal(completion.object, 'chat.completion');
    const choice = completion.choices[0];
    assert.equal(
      choice?.message.content,
      'Echo: one two three four five six seven eight nine ten eleven twelve',
    );
    assert.equal(choice?.finish_reason, 'stop');
    // 2 messages: (4 + ceil(9/4)) + (4 + ceil(71/4)) = 7 + 22
    assert.deepEqual(completion.usage, {
      prompt_tokens: 29,
      completion_tokens: 13,
      total_tokens: 42,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
  });

  test('stream: role chunk, one chunk per word, finish chunk, usage chunk only with include_usage', async () => {
    const request = {
      model: 'gpt-4o',
      messages: [{ role: 'user' as const, content: 'stream me please' }],
    };
    const plain = await client.chat.completions.create(request);
    const withUsage = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of withUsage) chunks.push(chunk);
    const ids = new Set(chunks.map((chunk) => chunk.id));
    assert.equal(ids.size, 1);
    assert.equal(new Set(chunks.map((chunk) => chunk.created)).size, 1);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.equal(chunks[0]?.choices[0]?.delta.content, '');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, plain.choices[0]?.message.content);
    const finish = chunks.at(-2);
    assert.deepEqual(finish?.choices[0]?.delta, {});
    assert.equal(finish?.choices[0]?.finish_reason, 'stop');
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.deepEqual(last?.usage, plain.usage);

    const withoutUsage = await client.chat.completions.create({ ...request, stream: true });
    const plainChunks = [];
    for await (const chunk of withoutUsage) plainChunks.push(chunk);
    assert.ok(plainChunks.every((chunk) => chunk.usage === undefined));
    assert.equal(plainChunks.at(-1)?.choices[0]?.finish_reason, 'stop');
  });

  test('raw stream: usage null and obfuscation on content chunks, [DONE] last', async () => {
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi there' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(response.headers.get('x-request-id'));
    assert.equal(response.headers.get('x-emulator-name'), 'oa-1');
    const events = (await response.text()).split('\n\n').filter(Boolean);
    assert.equal(events.at(-1), 'data: [DONE]');
    const payloads = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)));
    const content = payloads.filter((payload) => payload.choices[0]?.delta?.content);
    assert.ok(content.length >= 2);
    for (const payload of content) {
      assert.equal(payload.usage, null);
      assert.equal(typeof payload.obfuscation, 'string');
    }
    const noObfuscation = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi there' }],
        stream: true,
        stream_options: { include_obfuscation: false },
      }),
    });
    const raw = await noObfuscation.text();
    assert.doesNotMatch(raw, /obfuscation|"usage"/);
  });

  test('max_tokens cuts the reply with finish_reason length, same usage in stream', async () => {
    const request = {
      model: 'gpt-4o',
      messages: [{ role: 'user' as const, content: 'a b c d e f g' }],
      max_completion_tokens: 3,
    };
    const plain = await client.chat.completions.create(request);
    assert.equal(plain.choices[0]?.message.content, 'Echo: a b ');
    assert.equal(plain.choices[0]?.finish_reason, 'length');
    assert.equal(plain.usage?.completion_tokens, 3);
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(finish, 'length');
    assert.deepEqual(usage, plain.usage);
  });

  test('tool call: schema-derived arguments, streamed in fragments that reassemble', async () => {
    const request = {
      model: 'gpt-4o',
      messages: [{ role: 'user' as const, content: 'weather in Paris?' }],
      tools: [weatherTool],
    };
    const plain = await client.chat.completions.create(request);
    const call = plain.choices[0]?.message.tool_calls?.[0];
    assert.equal(plain.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(plain.choices[0]?.message.content, null);
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), {
      city: 'example',
      unit: 'celsius',
      days: 42,
      detail: { hourly: true },
    });

    const stream = await client.chat.completions.create({ ...request, stream: true });
    const fragments: string[] = [];
    let header: { id?: string; name?: string } | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      for (const toolCall of delta?.tool_calls ?? []) {
        if (toolCall.id) {
          header = { id: toolCall.id, name: toolCall.function?.name ?? '' };
          assert.equal(toolCall.function?.arguments, '');
        } else {
          assert.equal(toolCall.function?.name, undefined);
          fragments.push(toolCall.function?.arguments ?? '');
        }
      }
      finish ??= chunk.choices[0]?.finish_reason;
    }
    assert.equal(header?.name, 'get_weather');
    assert.ok(fragments.length >= 3);
    assert.equal(fragments.join(''), call.function.arguments);
    assert.equal(finish, 'tool_calls');

    const named = await client.chat.completions.create({
      ...request,
      tools: [
        weatherTool,
        { ...weatherTool, function: { ...weatherTool.function, name: 'other' } },
      ],
      tool_choice: { type: 'function', function: { name: 'other' } },
    });
    const namedCall = named.choices[0]?.message.tool_calls?.[0];
    assert.ok(namedCall?.type === 'function' && namedCall.function.name === 'other');
  });

  test('tool_choice none and tool results give text', async () => {
    const none = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'no tools' }],
      tools: [weatherTool],
      tool_choice: 'none',
    });
    assert.equal(none.choices[0]?.message.content, 'Echo: no tools');
    const afterResult = await client.chat.completions.create({
      model: 'gpt-4o',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny and 21C' },
      ],
    });
    assert.equal(afterResult.choices[0]?.message.content, 'Tool result: sunny and 21C');
    assert.equal(afterResult.choices[0]?.finish_reason, 'stop');
  });

  test('embeddings: float and base64 (SDK default) decode to the same unit vectors', async () => {
    const float = await client.embeddings.create({
      model: 'gpt-4o',
      input: ['alpha', 'beta'],
      encoding_format: 'float',
    });
    assert.equal(float.data.length, 2);
    assert.equal(float.data[0]?.embedding.length, 1536);
    const norm = Math.sqrt(
      (float.data[0]?.embedding ?? []).reduce((sum, value) => sum + value * value, 0),
    );
    assert.ok(Math.abs(norm - 1) < 1e-5);
    assert.deepEqual(float.usage, { prompt_tokens: 3, total_tokens: 3 });
    const base64 = await client.embeddings.create({ model: 'gpt-4o', input: ['alpha', 'beta'] });
    assert.deepEqual(base64.data[1]?.embedding, float.data[1]?.embedding);
    const recorded = emulator.requests.at(-1)?.body as { encoding_format?: string };
    assert.equal(recorded.encoding_format, 'base64');
    const small = await client.embeddings.create({
      model: 'gpt-4o',
      input: 'alpha',
      dimensions: 8,
    });
    assert.equal(small.data[0]?.embedding.length, 8);
    assert.notDeepEqual(float.data[0]?.embedding, float.data[1]?.embedding);
  });

  test('models list', async () => {
    const page = await client.models.list();
    assert.deepEqual(
      page.data.map((model) => [model.id, model.object]),
      [
        ['gpt-4o-mini', 'model'],
        ['gpt-4o', 'model'],
      ],
    );
  });

  test('validation: 400 for missing model/messages and bad JSON, 404 for unknown model', async () => {
    const post = (body: string): Promise<Response> =>
      fetch(`${emulator.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const badJson = await post('{"model":');
    assert.equal(badJson.status, 400);
    const badJsonBody = (await badJson.json()) as { error: { type: string; message: string } };
    assert.equal(badJsonBody.error.type, 'invalid_request_error');
    assert.match(badJsonBody.error.message, /could not parse the JSON body/);

    const noMessages = await post(JSON.stringify({ model: 'gpt-4o' }));
    assert.equal(noMessages.status, 400);
    assert.deepEqual(await noMessages.json(), {
      error: {
        message: "Missing required parameter: 'messages'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'missing_required_parameter',
      },
    });
    const notArray = await post(JSON.stringify({ model: 'gpt-4o', messages: 'hi' }));
    assert.equal(notArray.status, 400);
    assert.equal(
      ((await notArray.json()) as { error: { code: string } }).error.code,
      'invalid_type',
    );

    await assert.rejects(
      client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] } as never),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /model/.test(error.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.NotFoundError && error.code === 'model_not_found',
    );
    const unknownRoute = await fetch(`${emulator.url}/v1/nothing`);
    assert.equal(unknownRoute.status, 404);
  });

  test('api key: 401 in OpenAI shape without or with a wrong bearer', async () => {
    const locked = await startEmulator({ kind: 'openai', apiKey: 'sk-right' });
    try {
      const wrong = new OpenAI({
        apiKey: 'sk-wrong-key',
        baseURL: `${locked.url}/v1`,
        maxRetries: 0,
      });
      await assert.rejects(
        wrong.models.list(),
        (error: unknown) =>
          error instanceof OpenAI.AuthenticationError &&
          error.code === 'invalid_api_key' &&
          error.type === 'invalid_request_error',
      );
      const right = new OpenAI({ apiKey: 'sk-right', baseURL: `${locked.url}/v1`, maxRetries: 0 });
      assert.equal((await right.models.list()).data.length, 1);
    } finally {
      await locked.close();
    }
  });

  test('prefix cache: a repeated long prompt reports cached tokens in 16-token blocks', async () => {
    const long = 'lorem ipsum dolor sit amet '.repeat(20);
    const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: long }] };
    const first = await client.chat.completions.create(request);
    assert.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
    const second = await client.chat.completions.create(request);
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    assert.equal(second.usage?.prompt_tokens, first.usage?.prompt_tokens);
    assert.ok(cached > 0 && cached % 16 === 0 && cached < (second.usage?.prompt_tokens ?? 0));
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: unknown;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.deepEqual(usage, second.usage);
  });

  test('requests are recorded and emitted', async () => {
    const seen: unknown[] = [];
    emulator.on('request', (request) => seen.push(request));
    await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'rec' }],
    });
    const last = emulator.requests.at(-1);
    assert.equal(last?.path, '/v1/chat/completions');
    assert.equal(last?.method, 'POST');
    assert.equal(last?.headers.authorization, 'Bearer sk-test');
    assert.deepEqual((last?.body as { messages: unknown }).messages, [
      { role: 'user', content: 'rec' },
    ]);
    assert.equal(seen.length, 1);
  });
});
