// A stream ends for the client when the upstream's last event arrives (OpenAI's `[DONE]`,
// Anthropic's `message_stop`, Bedrock's `metadata`), not when the upstream gets round to ending its
// body; the rest of that body is read and dropped so that the connection is reused, and an
// upstream that keeps sending or never ends loses its connection instead.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

// The AWS documentation's example keys: what the bedrock emulator accepts by default.
const AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** How long the emulator keeps a finished stream's body open: far beyond any stream here. */
const holdMs = 4000;

describe('streams end at the upstream’s last event', () => {
  const emulators: Record<'openai' | 'anthropic' | 'bedrock', Emulator> = {} as never;
  let gateway: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    emulators.openai = await startEmulator({ kind: 'openai' });
    emulators.anthropic = await startEmulator({ kind: 'anthropic' });
    emulators.bedrock = await startEmulator({ kind: 'bedrock' });
    gateway = await startGateway(
      {
        providers: {
          openai: { type: 'openai', baseUrl: `${emulators.openai.url}/v1`, apiKey: 'k' },
          anthropic: { type: 'anthropic', baseUrl: emulators.anthropic.url, apiKey: 'k' },
          bedrock: { type: 'bedrock', baseUrl: emulators.bedrock.url },
        },
        models: {
          gpt: [{ provider: 'openai', model: 'gpt-4o-mini' }],
          claude: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
          nova: [{ provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }],
        },
      },
      AWS_ENV,
    );
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'k', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await Promise.all(Object.values(emulators).map((emulator) => emulator.close()));
  });

  const prompt = 'alpha beta gamma delta';

  for (const [alias, kind] of [
    ['gpt', 'openai'],
    ['claude', 'anthropic'],
    ['nova', 'bedrock'],
  ] as const) {
    it(`OpenAI client, ${kind} backend: the stream is complete long before the upstream ends its body, and the connection is kept`, async () => {
      const emulator = emulators[kind];
      const before = emulator.stats();
      emulator.setFaults({ endDelayMs: holdMs, count: 1 });
      const started = performance.now();
      const stream = await openai.chat.completions.create({
        model: alias,
        messages: [{ role: 'user', content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      const tookMs = performance.now() - started;
      assert.equal(text, `Echo: ${prompt}`);
      assert.equal(finish, 'stop');
      assert.ok(usage && usage.completion_tokens === 5, JSON.stringify(usage));
      // Generous: the point is "not after the upstream's 4 s hold", not a latency figure.
      assert.ok(tookMs < holdMs / 2, `the stream took ${Math.round(tookMs)} ms`);
      assert.equal(emulator.stats().completed, before.completed, 'upstream body still open');
      // The gateway reads the body to its end rather than closing the connection.
      await waitFor(() => emulator.stats().completed === before.completed + 1, holdMs * 2);
      assert.equal(emulator.stats().aborted, before.aborted);
    });
  }

  it('Anthropic client, Anthropic backend (fast path): message_stop arrives without waiting for the body', async () => {
    const emulator = emulators.anthropic;
    const before = emulator.stats();
    emulator.setFaults({ endDelayMs: holdMs, count: 1 });
    const started = performance.now();
    const stream = anthropic.messages.stream({
      model: 'claude',
      max_tokens: 64,
      messages: [{ role: 'user', content: prompt }],
    });
    const message = await stream.finalMessage();
    const tookMs = performance.now() - started;
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(message.content, [{ type: 'text', text: `Echo: ${prompt}` }]);
    assert.ok(tookMs < holdMs / 2, `the stream took ${Math.round(tookMs)} ms`);
    await waitFor(() => emulator.stats().completed === before.completed + 1, holdMs * 2);
    assert.equal(emulator.stats().aborted, before.aborted);
  });
});

describe('an upstream that misbehaves after its last event', () => {
  let upstream: Server;
  let gateway: TestGateway;
  let openai: OpenAI;
  const closedSockets: string[] = [];
  let mode: 'junk' | 'silent' = 'junk';

  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-after',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`;

  before(async () => {
    upstream = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(chunk({ role: 'assistant', content: 'done ' }) + chunk({}, 'stop'));
        response.write('data: [DONE]\n\n');
        if (mode === 'silent') return; // never ends
        // Keeps sending (a comment line every 5 ms, 8 KB each) and never ends.
        const junk = `: ${'x'.repeat(8 * 1024)}\n\n`;
        const timer = setInterval(() => response.write(junk), 5);
        response.on('close', () => clearInterval(timer));
      });
    });
    upstream.on('connection', (socket: Socket) => {
      socket.on('close', () => closedSockets.push(mode));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    gateway = await startGateway(
      configFor(
        { up: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'k' } },
        { fast: [{ provider: 'up', model: 'gpt-4o-mini', timeouts: { idleMs: 3000 } }] },
      ),
    );
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'k', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  async function streamText(client: OpenAI = openai): Promise<string> {
    const stream = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    return text;
  }

  it('keeps sending after [DONE]: the client has its answer, the connection is closed after 64 KB', async () => {
    mode = 'junk';
    assert.equal(await streamText(), 'done ');
    await waitFor(() => closedSockets.includes('junk'), 5000);
  });

  it('never ends its body after [DONE]: the client has its answer, the connection is closed after the idle timeout', async () => {
    mode = 'silent';
    const started = performance.now();
    assert.equal(await streamText(), 'done ');
    assert.ok(performance.now() - started < 2000, 'the client did not wait for the idle timeout');
    await waitFor(() => closedSockets.includes('silent'), 5000);
  });

  it('never ends its body after [DONE]: the gateway still closes at once, not after the idle timeout', async () => {
    mode = 'silent';
    const { port } = upstream.address() as AddressInfo;
    const patient = await startGateway(
      configFor(
        { up: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'k' } },
        { fast: [{ provider: 'up', model: 'gpt-4o-mini', timeouts: { idleMs: 60_000 } }] },
      ),
    );
    const client = new OpenAI({ baseURL: `${patient.url}/v1`, apiKey: 'k', maxRetries: 0 });
    assert.equal(await streamText(client), 'done ');
    const closing = performance.now();
    await patient.close();
    const tookMs = performance.now() - closing;
    // The upstream connection still being drained is given up (a second's grace), not waited for.
    assert.ok(tookMs < 10_000, `close took ${Math.round(tookMs)} ms`);
  });
});
