// The anthropic-kind emulator seen through @anthropic-ai/sdk and raw HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startEmulator } from './index.js';
import type { Emulator } from './index.js';

const MODEL = 'claude-sonnet-4-5';
const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['location', 'unit'],
  },
};

interface SseEvent {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads are probed by the tests
  data: any;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const [eventLine = '', dataLine = ''] = block.split('\n');
      assert.ok(eventLine.startsWith('event: '), `event line in ${block}`);
      assert.ok(dataLine.startsWith('data: '), `data line in ${block}`);
      return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) };
    });
}

describe('anthropic emulator', () => {
  let emulator: Emulator;
  let client: Anthropic;

  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch(`${emulator.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'key-1',
        'anthropic-version': '2023-06-01',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  before(async () => {
    emulator = await startEmulator({ kind: 'anthropic', models: [MODEL], apiKey: 'key-1' });
    client = new Anthropic({ apiKey: 'key-1', baseURL: emulator.url, maxRetries: 0 });
  });
  after(() => emulator.close());

  test('non-stream Message with usage', async () => {
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello claude how are you' }],
    });
    assert.match(message.id, /^msg_/);
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.model, MODEL);
    assert.deepEqual(message.content, [{ type: 'text', text: 'Echo: hello claude how are you' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.stop_sequence, null);
    // system (4 + 3) + user (4 + 6)
    assert.equal(message.usage.input_tokens, 17);
    assert.equal(message.usage.output_tokens, 6);
    assert.equal(message.usage.cache_read_input_tokens, 0);
    assert.equal(message.usage.cache_creation_input_tokens, 0);
  });

  test('stream: exact event sequence, usage equal to non-stream', async () => {
    const request = {
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: 'stream this text now' }],
    };
    const plain = await client.messages.create(request);
    const response = await post('/v1/messages', { ...request, stream: true });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.match(response.headers.get('request-id') ?? '', /^req_/);
    const events = parseSse(await response.text());
    const names = events.map((event) => event.event);
    const deltas = plain.content[0]?.type === 'text' ? plain.content[0].text.split(' ').length : 0;
    assert.deepEqual(names, [
      'message_start',
      'content_block_start',
      'ping',
      ...Array<string>(deltas).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const event of events) assert.equal(event.data.type, event.event);
    assert.equal(events[0]?.data.message.usage.output_tokens, 1);
    assert.equal(events[0]?.data.message.usage.input_tokens, plain.usage.input_tokens);
    const text = events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => event.data.delta.text)
      .join('');
    assert.deepEqual([{ type: 'text', text }], plain.content);
    const messageDelta = events.at(-2)?.data;
    assert.deepEqual(messageDelta.delta, { stop_reason: 'end_turn', stop_sequence: null });
    assert.equal(messageDelta.usage.output_tokens, plain.usage.output_tokens);

    const final = await client.messages.stream({ ...request }).finalMessage();
    assert.deepEqual(final.content, plain.content);
    assert.deepEqual(final.usage, plain.usage);
  });

  test('max_tokens cuts the reply with stop_reason max_tokens', async () => {
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 2,
      messages: [{ role: 'user', content: 'a b c d' }],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'Echo: a ' }]);
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 2);
  });

  test('tool use: non-stream input object, stream input_json_delta fragments', async () => {
    const request = {
      model: MODEL,
      max_tokens: 200,
      tools: [weatherTool],
      messages: [{ role: 'user' as const, content: 'weather in Paris' }],
    };
    const message = await client.messages.create(request);
    assert.equal(message.stop_reason, 'tool_use');
    const block = message.content[0];
    assert.ok(block?.type === 'tool_use');
    assert.match(block.id, /^toolu_/);
    assert.equal(block.name, 'get_weather');
    assert.deepEqual(block.input, { location: 'example', unit: 'c' });

    const events = parseSse(
      await (await post('/v1/messages', { ...request, stream: true })).text(),
    );
    const start = events.find((event) => event.event === 'content_block_start')?.data;
    assert.deepEqual(start.content_block.input, {});
    assert.equal(start.content_block.type, 'tool_use');
    const fragments = events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => {
        assert.equal(event.data.delta.type, 'input_json_delta');
        return event.data.delta.partial_json as string;
      });
    assert.ok(fragments.length >= 3);
    assert.deepEqual(JSON.parse(fragments.join('')), block.input);
    assert.equal(events.at(-2)?.data.delta.stop_reason, 'tool_use');

    const streamed = await client.messages.stream(request).finalMessage();
    assert.deepEqual(
      streamed.content[0]?.type === 'tool_use' && streamed.content[0].input,
      block.input,
    );
    // The repeated prompt is now partly served from the imitated prefix cache; totals still agree.
    const total = (usage: Anthropic.Usage): number =>
      usage.input_tokens +
      (usage.cache_read_input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0);
    assert.equal(total(streamed.usage), total(message.usage));
    assert.ok((streamed.usage.cache_read_input_tokens ?? 0) > 0);
    assert.equal(streamed.usage.output_tokens, message.usage.output_tokens);

    const afterResult = await client.messages.create({
      ...request,
      messages: [
        ...request.messages,
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: block.id, name: block.name, input: block.input }],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: block.id, content: 'rainy 12C' }],
        },
      ],
    });
    assert.deepEqual(afterResult.content, [{ type: 'text', text: 'Tool result: rainy 12C' }]);
    const none = await client.messages.create({ ...request, tool_choice: { type: 'none' } });
    assert.equal(none.content[0]?.type, 'text');
  });

  test('prompt caching: cache_control writes, the next request reads; input excludes both', async () => {
    const system = [
      {
        type: 'text' as const,
        text: 'You are a helpful assistant. '.repeat(30),
        cache_control: { type: 'ephemeral' as const },
      },
    ];
    const ask = (question: string): Promise<Anthropic.Message> =>
      client.messages.create({
        model: MODEL,
        max_tokens: 50,
        system,
        messages: [{ role: 'user', content: question }],
      });
    const first = await ask('first question');
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.ok((first.usage.cache_creation_input_tokens ?? 0) > 0);
    const total = first.usage.input_tokens + (first.usage.cache_creation_input_tokens ?? 0);
    assert.equal(first.usage.input_tokens, 0);
    const second = await ask('second question');
    const read = second.usage.cache_read_input_tokens ?? 0;
    assert.ok(read > 0 && read % 16 === 0);
    assert.equal(
      second.usage.input_tokens + read + (second.usage.cache_creation_input_tokens ?? 0),
      total,
      'same total prompt',
    );
  });

  test('count_tokens', async () => {
    const result = await client.messages.countTokens({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello claude how are you' }],
    });
    assert.deepEqual(result, { input_tokens: 10 });
  });

  test('validation errors name the problem', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { model: MODEL, messages: [{ role: 'user', content: 'x' }] },
        /^max_tokens: Field required$/,
      ],
      [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, /^model: Field required$/],
      [{ model: MODEL, max_tokens: 5 }, /^messages: Field required$/],
      [
        { model: MODEL, max_tokens: 5, messages: [{ role: 'assistant', content: 'x' }] },
        /first message must use the "user" role/,
      ],
      [
        {
          model: MODEL,
          max_tokens: 5,
          messages: [
            { role: 'user', content: 'a' },
            { role: 'user', content: 'b' },
          ],
        },
        /roles must alternate between "user" and "assistant"/,
      ],
      [
        { model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: '' }] },
        /non-empty content/,
      ],
      [
        {
          model: MODEL,
          max_tokens: 5,
          messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }],
        },
        /text content blocks must be non-empty/,
      ],
      [
        {
          model: MODEL,
          max_tokens: 5,
          messages: [
            { role: 'system', content: 'sys' },
            { role: 'user', content: 'x' },
          ],
        },
        /top-level `system` parameter/,
      ],
      ['{"model":', /JSON/],
    ];
    for (const [body, pattern] of cases) {
      const response = await post('/v1/messages', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      const payload = (await response.json()) as {
        type: string;
        error: { type: string; message: string };
        request_id: string;
      };
      assert.equal(payload.type, 'error');
      assert.equal(payload.error.type, 'invalid_request_error');
      assert.match(payload.error.message, pattern);
      assert.match(payload.request_id, /^req_/);
    }
    const noVersion = await fetch(`${emulator.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'key-1' },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    assert.equal(noVersion.status, 400);
    assert.match(
      ((await noVersion.json()) as { error: { message: string } }).error.message,
      /anthropic-version/,
    );
    await assert.rejects(
      client.messages.create({
        model: 'claude-unknown',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.NotFoundError && /not_found_error/.test(error.message),
    );
  });

  test('auth: x-api-key or Bearer; otherwise 401 authentication_error', async () => {
    const bearer = await post(
      '/v1/messages',
      { model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
      {
        'x-api-key': '',
        authorization: 'Bearer key-1',
      },
    );
    assert.equal(bearer.status, 200);
    const wrong = new Anthropic({ apiKey: 'nope', baseURL: emulator.url, maxRetries: 0 });
    await assert.rejects(
      wrong.messages.create({
        model: MODEL,
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.AuthenticationError &&
        (error.error as { error: { type: string } }).error.type === 'authentication_error',
    );
  });

  test('fault statuses in Anthropic shape: 429, 529, 500', async () => {
    const expected: [
      number,
      string,
      typeof Anthropic.RateLimitError | typeof Anthropic.InternalServerError,
    ][] = [
      [429, 'rate_limit_error', Anthropic.RateLimitError],
      [529, 'overloaded_error', Anthropic.InternalServerError],
      [500, 'api_error', Anthropic.InternalServerError],
    ];
    emulator.setFaults(expected.map(([status]) => ({ status, count: 1, retryAfter: '3' })));
    for (const [status, type, ErrorClass] of expected) {
      await assert.rejects(
        client.messages.create({
          model: MODEL,
          max_tokens: 5,
          messages: [{ role: 'user', content: 'x' }],
        }),
        (error: unknown) => {
          assert.ok(error instanceof ErrorClass);
          assert.equal(error.status, status);
          assert.equal((error.error as { error: { type: string } }).error.type, type);
          assert.equal(error.headers?.get('retry-after'), '3');
          return true;
        },
      );
    }
  });

  test('mid-stream overloaded_error event after content; truncate omits message_delta/stop', async () => {
    emulator.setFaults({ midStreamError: true, count: 1 });
    const request = {
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: 'user' as const, content: 'one two three four' }],
      stream: true,
    };
    const events = parseSse(await (await post('/v1/messages', request)).text());
    assert.deepEqual(events.at(-1), {
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    assert.equal(events.filter((event) => event.event === 'content_block_delta').length, 2);

    emulator.setFaults({ midStreamError: true, count: 1 });
    await assert.rejects(
      client.messages.stream({ ...request, stream: undefined } as never).finalMessage(),
      (error: unknown) => error instanceof Anthropic.APIError && /overloaded/i.test(error.message),
    );

    emulator.setFaults({ truncate: true, afterChunks: 10, count: 1 });
    const truncated = parseSse(await (await post('/v1/messages', request)).text()).map(
      (event) => event.event,
    );
    assert.ok(!truncated.includes('message_delta') && !truncated.includes('message_stop'));
    assert.ok(truncated.includes('content_block_delta'));
  });
});
