// Bad input on the OpenAI surface: the right 4xx, in OpenAI's error shape, naming the problem.

import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error: { message: string; type: string; param: string | null; code: string } };
}

function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('bad input on /v1/chat/completions', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  let url: string;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    gateway = await startGateway({
      ...configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'm' }] },
      ),
      server: { bodyLimitBytes: 64 * 1024 },
    });
    url = `${gateway.url}/v1/chat/completions`;
  });

  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('rejects malformed JSON with 400 invalid_json', async () => {
    const response = await post(url, '{"model": "fast", "messages": [');
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'invalid_json');
    assert.equal(response.body.error.type, 'invalid_request_error');
    assert.match(response.body.error.message, /could not parse the JSON body/);
  });

  it('rejects a missing messages field, naming it', async () => {
    const response = await post(url, JSON.stringify({ model: 'fast' }));
    assert.equal(response.status, 400);
    assert.equal(response.body.error.param, 'messages');
    assert.match(response.body.error.message, /Missing required parameter: 'messages'/);
  });

  it('rejects wrong types, naming the nested field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: 'fast', messages: 'hi' }, 'messages'],
      [{ model: 42, messages: [] }, 'model'],
      [{ model: 'fast', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
      [{ model: 'fast', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
      [
        { model: 'fast', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' },
        'temperature',
      ],
      [
        { model: 'fast', messages: [{ role: 'user', content: 'x' }], temperature: 3 },
        'temperature',
      ],
      [
        {
          model: 'fast',
          messages: [{ role: 'user', content: 'x' }],
          stream_options: { include_usage: true },
        },
        'stream_options',
      ],
      [
        {
          model: 'fast',
          messages: [{ role: 'user', content: 'x' }],
          tools: [{ type: 'function' }],
        },
        'tools[0].function',
      ],
      [{ model: 'fast', messages: [] }, 'messages'],
    ];
    for (const [body, param] of cases) {
      const response = await post(url, JSON.stringify(body));
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.code, 'invalid_request');
      assert.equal(response.body.error.param, param, JSON.stringify(body));
    }
  });

  it('rejects a body that is not an object', async () => {
    const response = await post(url, '[1,2,3]');
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'invalid_request');
  });

  it('rejects an oversize body with 413, declared or streamed', async () => {
    const big = JSON.stringify({
      model: 'fast',
      messages: [{ role: 'user', content: 'x'.repeat(100_000) }],
    });
    const declared = await post(url, big);
    assert.equal(declared.status, 413);
    assert.equal(declared.body.error.code, 'body_too_large');
    const chunked = await post(url, big, { 'transfer-encoding': 'chunked' });
    assert.equal(chunked.status, 413);
    assert.equal(emulator.stats().received, 0, 'nothing reached the upstream');
  });

  it('answers an unknown model with 404 model_not_found through the SDK', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({
        model: 'nope',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError);
        assert.equal(error.code, 'model_not_found');
        assert.match(error.message, /The model 'nope' does not exist/);
        return true;
      },
    );
  });

  it('answers unknown endpoints with 404 and wrong methods with 405', async () => {
    const unknown = await post(`${gateway.url}/v1/nothing`, '{}');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'route_not_found');
    const wrongMethod = await fetch(url);
    assert.equal(wrongMethod.status, 405);
  });

  it('passes an upstream client error on with its status, not as a fallback', async () => {
    emulator.setFaults({ status: 422, count: 1 });
    const response = await post(
      url,
      JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'upstream_client_error');
  });
});
