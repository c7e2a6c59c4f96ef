// A model alias may list deployments of different wire formats: when the Anthropic deployment is
// overloaded before the first byte, the next (OpenAI-style) one answers, translated, for clients of
// either surface. Token counting for a non-Anthropic backend is an estimate, and says so.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

describe('fallback crosses wire formats', () => {
  let anthropicUpstream: Emulator;
  let vllmUpstream: Emulator;
  let gateway: TestGateway;

  before(async () => {
    anthropicUpstream = await startEmulator({ kind: 'anthropic' });
    vllmUpstream = await startEmulator({ kind: 'vllm' });
    gateway = await startGateway({
      providers: {
        anthropic: { type: 'anthropic', baseUrl: anthropicUpstream.url, apiKey: 'k' },
        vllm: { type: 'openai-compatible', baseUrl: `${vllmUpstream.url}/v1` },
      },
      models: {
        chain: [
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          { provider: 'vllm', model: 'llama' },
        ],
        llama: [{ provider: 'vllm', model: 'llama' }],
      },
    });
  });

  after(async () => {
    await gateway.close();
    await anthropicUpstream.close();
    await vllmUpstream.close();
  });

  it('Anthropic client: 529 from Anthropic, the vLLM deployment answers (stream, translated)', async () => {
    anthropicUpstream.setFaults({ status: 529 });
    try {
      const client = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0 });
      const { data: stream, response } = await client.messages
        .stream({
          model: 'chain',
          max_tokens: 50,
          messages: [{ role: 'user', content: 'hi there' }],
        })
        .withResponse();
      const final = await stream.finalMessage();
      assert.deepEqual(final.content, [{ type: 'text', text: 'Echo: hi there' }]);
      assert.equal(final.model, 'llama');
      assert.equal(response.headers.get('x-switchyard-provider'), 'vllm');
      assert.ok(Number(response.headers.get('x-switchyard-attempts')) >= 2);
    } finally {
      anthropicUpstream.clearFaults();
    }
  });

  it('OpenAI client: 529 from Anthropic, the vLLM deployment answers (fast path after translation)', async () => {
    anthropicUpstream.setFaults({ status: 529 });
    try {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'chain',
        messages: [{ role: 'user', content: 'hi there' }],
      });
      assert.equal(completion.choices[0]?.message.content, 'Echo: hi there');
      assert.equal(completion.model, 'llama');
    } finally {
      anthropicUpstream.clearFaults();
    }
  });

  it('count_tokens on an OpenAI-style backend: a gpt-tokenizer estimate, marked as such', async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0 });
    const before = vllmUpstream.requests.length;
    const { data, response } = await client.messages
      .countTokens({
        model: 'llama',
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'How many tokens is this sentence, roughly?' }],
      })
      .withResponse();
    assert.ok(data.input_tokens > 8 && data.input_tokens < 40, String(data.input_tokens));
    assert.equal(response.headers.get('x-switchyard-token-count'), 'estimate');
    assert.equal(vllmUpstream.requests.length, before, 'no upstream call');
  });
});
