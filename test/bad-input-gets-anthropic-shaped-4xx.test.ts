// Bad input on /v1/messages gets a 4xx in Anthropic's error shape ({type:"error",error:{type,
// message}}) that names the field; upstream 429/529 come back as rate_limit_error /
// overloaded_error with retry-after. The official SDK maps each to its error class.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('bad input on /v1/messages gets Anthropic-shaped 4xx', () => {
  let upstream: Emulator;
  let gateway: TestGateway;

  before(async () => {
    upstream = await startEmulator({ kind: 'anthropic' });
    gateway = await startGateway({
      providers: { anthropic: { type: 'anthropic', baseUrl: upstream.url, apiKey: 'k' } },
      models: { claude: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
    });
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  async function post(path: string, body: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(gateway.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  const cases: Array<[string, Json, RegExp]> = [
    [
      'missing max_tokens',
      { model: 'claude', messages: [{ role: 'user', content: 'hi' }] },
      /^max_tokens: Field required/,
    ],
    [
      'max_tokens 0',
      { model: 'claude', max_tokens: 0, messages: [{ role: 'user', content: 'hi' }] },
      /^max_tokens: .*greater than or equal to 1/,
    ],
    [
      'missing model',
      { max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
      /^model: Field required/,
    ],
    [
      'no messages',
      { model: 'claude', max_tokens: 5, messages: [] },
      /^messages: at least one message/,
    ],
    [
      'wrong role',
      { model: 'claude', max_tokens: 5, messages: [{ role: 'tool', content: 'hi' }] },
      /^messages\.0\.role: Input should be 'user', 'assistant' or 'system'/,
    ],
    [
      'missing role',
      { model: 'claude', max_tokens: 5, messages: [{ content: 'hi' }] },
      /^messages\.0\.role: Field required/,
    ],
    [
      'empty content',
      { model: 'claude', max_tokens: 5, messages: [{ role: 'user', content: '' }] },
      /^messages\.0: all messages must have non-empty content/,
    ],
    [
      'empty block list',
      { model: 'claude', max_tokens: 5, messages: [{ role: 'user', content: [] }] },
      /^messages\.0: all messages must have non-empty content/,
    ],
    [
      'empty text block',
      {
        model: 'claude',
        max_tokens: 5,
        messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }],
      },
      /^messages\.0\.content\.0\.text: text content blocks must be non-empty/,
    ],
    [
      'tool_use in a user turn',
      {
        model: 'claude',
        max_tokens: 5,
        messages: [
          { role: 'user', content: [{ type: 'tool_use', id: 'x', name: 'y', input: {} }] },
        ],
      },
      /^messages\.0\.content\.0\.type: a tool_use block is only allowed in an assistant message/,
    ],
    [
      'temperature above 1',
      {
        model: 'claude',
        max_tokens: 5,
        temperature: 1.5,
        messages: [{ role: 'user', content: 'hi' }],
      },
      /^temperature: Input should be less than or equal to 1/,
    ],
    [
      'bad tool_choice',
      {
        model: 'claude',
        max_tokens: 5,
        tool_choice: { type: 'sometimes' },
        messages: [{ role: 'user', content: 'hi' }],
      },
      /^tool_choice\.type/,
    ],
  ];

  for (const [name, body, message] of cases) {
    it(`${name} → 400 invalid_request_error naming the field`, async () => {
      const before = upstream.requests.length;
      const result = await post('/v1/messages', body);
      assert.equal(result.status, 400);
      assert.equal(result.body.type, 'error');
      assert.equal(result.body.error.type, 'invalid_request_error');
      assert.match(result.body.error.message, message);
      assert.equal(upstream.requests.length, before, 'refused before any upstream call');
    });
  }

  it('a final empty assistant turn (prefill) is allowed', async () => {
    const result = await post('/v1/messages', {
      model: 'claude',
      max_tokens: 5,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: '' },
      ],
    });
    assert.notEqual(result.status, 400, JSON.stringify(result.body));
  });

  it('malformed JSON, unknown model and unknown path are Anthropic-shaped too', async () => {
    const malformed = await post('/v1/messages', '{"model":');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.type, 'invalid_request_error');
    const unknownModel = await post('/v1/messages', {
      model: 'nope',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(unknownModel.status, 404);
    assert.equal(unknownModel.body.error.type, 'not_found_error');
    const unknownPath = await post('/v1/messages/batches', {});
    assert.equal(unknownPath.status, 404);
    assert.deepEqual(Object.keys(unknownPath.body).sort(), ['error', 'type']);
    assert.equal(unknownPath.body.error.type, 'not_found_error');
  });

  it('the SDK raises BadRequestError with the message', async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0 });
    await assert.rejects(
      client.messages.create({
        model: 'claude',
        max_tokens: 5,
        messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.BadRequestError);
        assert.equal((error.error as Json).error.type, 'invalid_request_error');
        return true;
      },
    );
  });

  it('upstream 429 / 529 are classified (rate_limited / overloaded) and end in an Anthropic-shaped 503', async () => {
    for (const [status, kind] of [
      [429, 'rate_limited'],
      [529, 'overloaded'],
    ] as const) {
      upstream.setFaults({ status, retryAfter: '0' });
      try {
        const response = await fetch(`${gateway.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
          body: JSON.stringify({
            model: 'claude',
            max_tokens: 5,
            messages: [{ role: 'user', content: 'hi' }],
          }),
        });
        const body = (await response.json()) as Json;
        // Every deployment of the alias failed: the chain's verdict, in Anthropic's shape, with
        // the upstream failure kind in the message and no SDK retries.
        assert.equal(response.status, 503);
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, 'api_error');
        assert.match(body.error.message, new RegExp(`${kind}, ${status}`));
        assert.equal(response.headers.get('x-should-retry'), 'false');
      } finally {
        upstream.clearFaults();
      }
    }
  });
});
