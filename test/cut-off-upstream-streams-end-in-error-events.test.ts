// A stream the upstream cuts off (or fails mid-way) reaches the client as an error event in the
// surface's own format — never as a clean end — for every surface × backend pair (OpenAI→OpenAI,
// OpenAI→Anthropic, Anthropic→Anthropic, Anthropic→OpenAI-compatible); both official SDKs raise.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator, type FaultPlan } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

describe('cut-off upstream streams end in error events', () => {
  let anthropicUpstream: Emulator;
  let openaiUpstream: Emulator;
  let gateway: TestGateway;
  let openaiClient: OpenAI;
  let anthropicClient: Anthropic;

  before(async () => {
    anthropicUpstream = await startEmulator({ kind: 'anthropic' });
    openaiUpstream = await startEmulator({ kind: 'vllm' });
    gateway = await startGateway({
      providers: {
        anthropic: { type: 'anthropic', baseUrl: anthropicUpstream.url, apiKey: 'k' },
        vllm: { type: 'openai-compatible', baseUrl: `${openaiUpstream.url}/v1` },
      },
      models: {
        claude: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
        llama: [{ provider: 'vllm', model: 'llama' }],
      },
    });
    openaiClient = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'k', maxRetries: 0 });
    anthropicClient = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await anthropicUpstream.close();
    await openaiUpstream.close();
  });

  const prompt = 'one two three four five six seven eight nine ten eleven twelve';
  const faults: Array<{ name: string; plan: FaultPlan; anthropicType: RegExp }> = [
    { name: 'truncated', plan: { truncate: true, afterChunks: 3 }, anthropicType: /api_error/ },
    {
      name: 'mid-stream error',
      plan: { midStreamError: true, afterChunks: 3 },
      anthropicType: /overloaded_error|api_error/,
    },
  ];

  for (const fault of faults) {
    it(`OpenAI client, Anthropic backend, ${fault.name}: the SDK raises after some content`, async () => {
      anthropicUpstream.setFaults(fault.plan);
      try {
        const stream = await openaiClient.chat.completions.create({
          model: 'claude',
          messages: [{ role: 'user', content: prompt }],
          stream: true,
        });
        let text = '';
        await assert.rejects(async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        }, OpenAI.APIError);
        assert.ok(text.length > 0, 'content arrived before the failure');
      } finally {
        anthropicUpstream.clearFaults();
      }
    });

    it(`Anthropic client, Anthropic backend (fast path), ${fault.name}: no message_stop, an error event`, async () => {
      anthropicUpstream.setFaults(fault.plan);
      try {
        const stream = anthropicClient.messages.stream({
          model: 'claude',
          max_tokens: 100,
          messages: [{ role: 'user', content: prompt }],
        });
        const events: string[] = [];
        stream.on('streamEvent', (event) => events.push(event.type));
        await assert.rejects(stream.finalMessage(), (error: unknown) => {
          assert.ok(error instanceof Anthropic.APIError);
          assert.match(String(error.message), fault.anthropicType);
          return true;
        });
        assert.ok(events.includes('content_block_delta'), 'content arrived before the failure');
        assert.ok(!events.includes('message_stop'));
      } finally {
        anthropicUpstream.clearFaults();
      }
    });

    it(`OpenAI client, OpenAI-compatible backend (fast path), ${fault.name}: the SDK raises`, async () => {
      openaiUpstream.setFaults(fault.plan);
      try {
        const stream = await openaiClient.chat.completions.create({
          model: 'llama',
          messages: [{ role: 'user', content: prompt }],
          stream: true,
        });
        let text = '';
        await assert.rejects(async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        }, OpenAI.APIError);
        assert.ok(text.length > 0, 'content arrived before the failure');
      } finally {
        openaiUpstream.clearFaults();
      }
    });

    it(`Anthropic client, OpenAI-compatible backend, ${fault.name}: an Anthropic error event`, async () => {
      openaiUpstream.setFaults(fault.plan);
      try {
        const response = await fetch(`${gateway.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'anthropic-version': '2026-10-21' },
          body: JSON.stringify({
            model: 'llama',
            max_tokens: 100,
            stream: true,
            messages: [{ role: 'user', content: prompt }],
          }),
        });
        const text = await response.text();
        assert.match(text, /event: content_block_delta/);
        assert.doesNotMatch(text, /event: message_stop/);
        assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+"/);
        const stream = anthropicClient.messages.stream({
          model: 'llama',
          max_tokens: 100,
          messages: [{ role: 'user', content: prompt }],
        });
        await assert.rejects(stream.finalMessage(), Anthropic.APIError);
      } finally {
        openaiUpstream.clearFaults();
      }
    });
  }
});
