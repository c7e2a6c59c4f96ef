// No buffering: chunks the upstream sends 100 ms apart reach the client about 100 ms apart.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { SseDecoder } from '../src/lib/sse-decoder.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

describe('streaming without buffering', () => {
  let emulator: Emulator;
  let gateway: TestGateway;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'm' }] },
      ),
    );
  });

  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('delivers each upstream event as it arrives, with streaming headers', async () => {
    emulator.setFaults({ chunkDelayMs: 100 });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'fast',
        stream: true,
        messages: [{ role: 'user', content: 'one two three four five six' }],
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('x-accel-buffering'), 'no');
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const decoder = new SseDecoder();
    const arrivals: number[] = [];
    let done = false;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      for (const event of decoder.push(chunk)) {
        arrivals.push(performance.now());
        if (event.data === '[DONE]') done = true;
      }
    }
    emulator.clearFaults();
    assert.ok(done, 'the stream ended with [DONE]');
    assert.ok(arrivals.length >= 5, `expected several events, got ${arrivals.length}`);
    const gaps = arrivals.slice(1).map((time, index) => time - (arrivals[index] as number));
    // Each event is its own write upstream, 100 ms apart: if the gateway buffered, gaps would
    // collapse to ~0 with one long gap. Generous tolerance for a loaded 2-core machine.
    const spaced = gaps.filter((gap) => gap >= 60);
    assert.ok(
      spaced.length >= gaps.length - 1,
      `gaps ${gaps.map((gap) => gap.toFixed(0)).join(', ')}`,
    );
    assert.ok(
      gaps.every((gap) => gap < 400),
      `no gap should hold back several chunks: ${gaps.map((gap) => gap.toFixed(0)).join(', ')}`,
    );
  });
});
