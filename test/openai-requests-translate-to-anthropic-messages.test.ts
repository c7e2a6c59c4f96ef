// What an OpenAI-surface request becomes on an Anthropic backend (the upstream body the emulator
// received), the API-version rules for sampling parameters, and what the fast path forwards.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OpenAI requests translated to Anthropic Messages', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    emulator = await startEmulator({ kind: 'anthropic', apiKey: 'sk-ant-upstream' });
    const provider = (settings: Record<string, unknown>) => ({
      type: 'anthropic',
      baseUrl: `${emulator.url}/v1`, // a trailing /v1 is accepted
      apiKey: 'sk-ant-upstream',
      anthropic: settings,
    });
    gateway = await startGateway({
      providers: {
        current: provider({ defaultMaxTokens: 321 }),
        legacy: provider({ version: '2023-06-01', authHeader: 'bearer' }),
        strict: provider({ unsupportedParameters: 'refuse' }),
      },
      models: {
        claude: [{ provider: 'current', model: 'claude-sonnet-4-5' }],
        'claude-legacy': [{ provider: 'legacy', model: 'claude-sonnet-4-5' }],
        'claude-legacy-new-model': [{ provider: 'legacy', model: 'claude-opus-4-7' }],
        'claude-strict': [{ provider: 'strict', model: 'claude-sonnet-4-5' }],
      },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sy-client', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  const lastUpstream = () => emulator.requests.at(-1) as { body: Json; headers: Json };

  it('maps system, turns, images, stop sequences, tools and the max_tokens default', async () => {
    const image = 'iVBORw0KGgoAAAANSUhEUg==';
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Use metric units.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${image}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
        { role: 'assistant', content: 'A cat.' },
        { role: 'user', content: 'And the weather?' },
      ],
      stop: ['\n\n', 'END'],
      user: 'user-42',
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
    const { body, headers } = lastUpstream();
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.max_tokens, 321);
    assert.equal(body.system, 'Be brief.\n\nUse metric units.');
    assert.deepEqual(
      body.messages.map((message: Json) => message.role),
      ['user', 'assistant', 'user'],
    );
    assert.deepEqual(body.messages[0].content, [
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: image } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
    assert.deepEqual(body.stop_sequences, ['\n\n', 'END']);
    assert.deepEqual(body.metadata, { user_id: 'user-42' });
    assert.deepEqual(body.tools, [
      { name: 'get_weather', input_schema: { type: 'object', properties: {} } },
    ]);
    assert.deepEqual(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
    assert.equal(headers['anthropic-version'], '2026-10-21');
    assert.equal(headers['x-api-key'], 'sk-ant-upstream');
    assert.equal(headers.authorization, undefined);
  });

  it('merges tool results and the next user turn into one user message', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'w', arguments: '{"c":"Oslo"}' } },
            { id: 'call_2', type: 'function', function: { name: 'w', arguments: '{"c":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'cold' },
        { role: 'tool', tool_call_id: 'call_2', content: 'warm' },
        { role: 'user', content: 'Thanks, summarise.' },
      ],
    });
    const { body } = lastUpstream();
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'w', input: { c: 'Oslo' } },
          { type: 'tool_use', id: 'call_2', name: 'w', input: { c: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'cold' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'warm' },
          { type: 'text', text: 'Thanks, summarise.' },
        ],
      },
    ]);
  });

  it('drops temperature/top_p under anthropic-version 2026-10-21 (the emulator would 400)', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
    });
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    const { body } = lastUpstream();
    assert.equal(body.temperature, undefined);
    assert.equal(body.top_p, undefined);
    assert.equal(body.max_tokens, 50);
  });

  it('keeps temperature under 2023-06-01 for a model that takes it (and not with top_p)', async () => {
    await client.chat.completions.create({
      model: 'claude-legacy',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      top_p: 0.9,
    });
    const { body, headers } = lastUpstream();
    assert.equal(headers['anthropic-version'], '2023-06-01');
    assert.equal(headers.authorization, 'Bearer sk-ant-upstream');
    assert.equal(body.temperature, 0.2);
    assert.equal(body.top_p, undefined, 'Sonnet 4.5 refuses temperature and top_p together');
  });

  it('drops temperature under 2023-06-01 for a model that rejects it (Opus 4.7)', async () => {
    await client.chat.completions.create({
      model: 'claude-legacy-new-model',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
    });
    assert.equal(lastUpstream().body.temperature, undefined);
  });

  it("refuses with a 400 naming the parameter when configured 'refuse', before any upstream call", async () => {
    const before = emulator.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        model: 'claude-strict',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0.5,
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal((error.error as Json).param, 'temperature');
        assert.match(error.message, /2026-10-21/);
        return true;
      },
    );
    assert.equal(emulator.requests.length, before);
  });

  it('maps response_format json_schema to output_config.format, and vLLM-style top_k under 2023-06-01', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    await client.chat.completions.create({
      model: 'claude-legacy',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'place', schema } },
      top_k: 5,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const { body } = lastUpstream();
    assert.deepEqual(body.output_config, { format: { type: 'json_schema', schema } });
    assert.equal(body.top_k, 5);
    assert.equal(body.response_format, undefined);
  });

  it('refuses what Anthropic cannot answer (n > 1, temperature above 1)', async () => {
    for (const extra of [{ n: 2 }, { temperature: 1.5 }]) {
      await assert.rejects(
        client.chat.completions.create({
          model: 'claude',
          messages: [{ role: 'user', content: 'hi' }],
          ...extra,
        }),
        (error: unknown) => error instanceof OpenAI.BadRequestError,
      );
    }
  });

  it('fast path: forwards the client body, anthropic-version and anthropic-beta; both auth styles', async () => {
    for (const [name, value] of [
      ['x-api-key', 'sy-client'],
      ['authorization', 'Bearer sy-client'],
    ] as const) {
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [name]: value,
          'anthropic-version': '2023-06-01',
          'anthropic-beta': 'context-1m-2025-08-07',
        },
        body: JSON.stringify({
          model: 'claude',
          max_tokens: 20,
          temperature: 0.3,
          messages: [{ role: 'user', content: 'hello' }],
          service_tier: 'auto',
        }),
      });
      assert.equal(response.status, 200);
      const { body, headers } = lastUpstream();
      assert.equal(headers['anthropic-version'], '2023-06-01');
      assert.equal(headers['anthropic-beta'], 'context-1m-2025-08-07');
      assert.equal(body.temperature, 0.3, 'valid under the client version for Sonnet 4.5');
      assert.equal(body.service_tier, 'auto', 'unknown fields pass through');
      assert.equal(body.model, 'claude-sonnet-4-5');
    }
  });

  it('count_tokens: counted by the Anthropic deployment itself', async () => {
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'sy', maxRetries: 0 });
    const counted = await anthropic.messages
      .countTokens({ model: 'claude', messages: [{ role: 'user', content: 'count me please' }] })
      .withResponse();
    const recorded = lastUpstream();
    assert.equal(emulator.requests.at(-1)?.path, '/v1/messages/count_tokens');
    assert.equal(recorded.body.max_tokens, undefined);
    const direct = await fetch(`${emulator.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-upstream',
        'anthropic-version': '2026-10-21',
      },
      body: JSON.stringify(recorded.body),
    });
    assert.deepEqual(counted.data, await direct.json());
    assert.equal(counted.response.headers.get('x-switchyard-token-count'), 'provider');
  });
});
