// A cached answer reaches the official @anthropic-ai/sdk as a well-formed Messages stream (events,
// text, stop reason, usage), whether the entry was stored from an Anthropic or an OpenAI client.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

describe('cached answers through the Anthropic SDK', () => {
  let upstream: Emulator;
  let gateway: TestGateway;
  let anthropic: Anthropic;
  let openai: OpenAI;

  before(async () => {
    upstream = await startEmulator({ kind: 'anthropic' });
    gateway = await startGateway({
      providers: { claude: { type: 'anthropic', baseUrl: upstream.url, apiKey: 'sk-ant' } },
      models: { sonnet: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
      cache: {},
    });
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'unused', maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  const upstreamCalls = () =>
    upstream.requests.filter((request) => request.path === '/v1/messages').length;

  it('replays a hit as a stream the SDK assembles into the same message', async () => {
    const request = {
      model: 'sonnet',
      max_tokens: 100,
      temperature: 0,
      system: 'Be brief.',
      messages: [{ role: 'user' as const, content: 'Name three rivers in Africa' }],
    };
    const calls = upstreamCalls();
    const { data: first, response } = await anthropic.messages.create(request).withResponse();
    assert.equal(response.headers.get('x-switchyard-cache'), 'miss');
    const stream = anthropic.messages.stream(request);
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const replayed = await stream.finalMessage();
    assert.equal(upstreamCalls(), calls + 1, 'the stream was served from the cache');
    const text = (message: Anthropic.Message) =>
      message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    assert.ok(text(first).length > 0);
    assert.equal(text(replayed), text(first));
    assert.equal(replayed.stop_reason, 'end_turn');
    assert.equal(replayed.usage.output_tokens, first.usage.output_tokens);
    assert.equal(replayed.usage.input_tokens, first.usage.input_tokens);
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
  });

  it('serves the same question from the other surface from the same entry', async () => {
    const calls = upstreamCalls();
    const fromOpenAI = await openai.chat.completions.create({
      model: 'sonnet',
      max_tokens: 100,
      temperature: 0,
      messages: [{ role: 'user', content: 'What is the longest river in Asia?' }],
    });
    const stream = anthropic.messages.stream({
      model: 'sonnet',
      max_tokens: 100,
      temperature: 0,
      messages: [{ role: 'user', content: 'What is the longest river in Asia?' }],
    });
    const message = await stream.finalMessage();
    assert.equal(upstreamCalls(), calls + 1);
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    assert.equal(text, fromOpenAI.choices[0]?.message.content);
    assert.equal(message.usage.output_tokens, fromOpenAI.usage?.completion_tokens);
  });
});
