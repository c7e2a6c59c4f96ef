// A client that disconnects aborts the upstream call (stream and non-stream): the upstream sees
// its connection close, so the request stops costing money.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { subscribeRequestFinished, type RequestFinishedEvent } from '../src/telemetry/events.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

describe('client disconnect', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;
  const closedPaths: string[] = [];
  const finished: RequestFinishedEvent[] = [];
  let unsubscribe: () => void;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    emulator.on('client-closed', (payload: { path: string }) => closedPaths.push(payload.path));
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'm' }] },
      ),
    );
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    unsubscribe = subscribeRequestFinished((event) => finished.push(event));
  });

  after(async () => {
    unsubscribe();
    await gateway.close();
    await emulator.close();
  });

  it('closes the upstream connection when a streaming client goes away mid-stream', async () => {
    emulator.setFaults({ chunkDelayMs: 200 });
    const before = closedPaths.length;
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: 'fast',
        stream: true,
        messages: [{ role: 'user', content: 'a b c d e f g h i j k l' }],
      },
      { signal: controller.signal },
    );
    let received = 0;
    try {
      for await (const _chunk of stream) {
        received += 1;
        if (received === 2) controller.abort();
      }
    } catch {
      // openai-node may end the iteration quietly or throw an abort error: either is fine here.
    }
    assert.equal(received, 2, 'no chunk arrives after the abort');
    await waitFor(() => closedPaths.length > before, 3000, 'upstream saw the close');
    assert.equal(closedPaths.at(-1), '/v1/chat/completions');
    await waitFor(() => gateway.gateway.http.inFlight === 0, 3000, 'in-flight back to 0');
    emulator.clearFaults();
  });

  it('closes the upstream connection when a non-streaming client goes away while waiting', async () => {
    emulator.setFaults({ hang: 'before-headers' });
    const before = closedPaths.length;
    const finishedBefore = finished.length;
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: 'fast', messages: [{ role: 'user', content: 'hello' }] },
      { signal: controller.signal },
    );
    await waitFor(() => emulator.stats().inFlight === 1, 3000, 'upstream got the request');
    controller.abort();
    await assert.rejects(pending);
    await waitFor(() => closedPaths.length > before, 3000, 'upstream saw the close');
    await waitFor(() => finished.length > finishedBefore, 3000, 'request finished event');
    const event = finished.at(-1);
    assert.equal(event?.aborted, true);
    assert.equal(event?.context.attempts[0]?.errorKind, 'client_aborted');
    emulator.clearFaults();
  });
});
