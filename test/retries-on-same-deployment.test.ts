// Retries on the same deployment: only for "not now" failures (rate limit, overload, connect),
// after retry-after when the upstream gives one (up to a cap) or an exponential backoff with
// jitter, as often as the deployment's `retries` says; a client that leaves during the wait stops
// everything. The gateway waits on an injected clock, so the test sees each wait and moves time.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import type { AttemptRecord } from '../src/pipeline/request-context.js';
import { createManualClock, type ManualClock } from '../src/resilience/clock.js';
import { subscribeRequestFinished, type RequestFinishedEvent } from '../src/telemetry/events.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

const messages = [{ role: 'user' as const, content: 'hello there' }];

describe('retries on the same deployment', () => {
  let primary: Emulator;
  let backup: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;
  let clock: ManualClock;
  const finished: RequestFinishedEvent[] = [];
  let unsubscribe: () => void;

  before(async () => {
    primary = await startEmulator({ kind: 'openai', name: 'primary' });
    backup = await startEmulator({ kind: 'openai', name: 'backup' });
    clock = createManualClock();
    gateway = await startGateway(
      {
        providers: {
          primary: { type: 'openai', baseUrl: `${primary.url}/v1` },
          backup: { type: 'openai', baseUrl: `${backup.url}/v1` },
        },
        models: {
          chain: [
            { provider: 'primary', model: 'p', retries: 2 },
            { provider: 'backup', model: 'b' },
          ],
          'no-retry': [
            { provider: 'primary', model: 'q', retries: 0 },
            { provider: 'backup', model: 'b' },
          ],
          'alias-no-retry': [
            { provider: 'primary', model: 'r' },
            { provider: 'backup', model: 'b' },
          ],
        },
        resilience: {
          breaker: { enabled: false },
          retries: { baseDelayMs: 200, maxDelayMs: 1000, maxRetryAfterMs: 10_000 },
          aliases: { 'alias-no-retry': { retries: 0 } },
        },
      },
      {},
      { clock, random: () => 0.5 },
    );
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    unsubscribe = subscribeRequestFinished((event) => finished.push(event));
  });

  afterEach(() => {
    primary.clearFaults();
    backup.clearFaults();
  });

  after(async () => {
    unsubscribe();
    await gateway.close();
    await primary.close();
    await backup.close();
  });

  /** Moves the clock past each wait the gateway starts, until the request settles. */
  async function driveClock<T>(pending: Promise<T>, waits: number): Promise<T> {
    for (let index = 0; index < waits; index++) {
      const seen = clock.sleeps.length;
      await waitFor(() => clock.sleeps.length > seen, 3000, `wait ${index + 1} started`);
      clock.advance(clock.sleeps.at(-1) ?? 0);
    }
    return pending;
  }

  async function attemptsOf(requestId: string | null): Promise<AttemptRecord[]> {
    await waitFor(
      () => finished.some((event) => event.context.requestId === requestId),
      3000,
      'request finished',
    );
    return finished.find((event) => event.context.requestId === requestId)?.context.attempts ?? [];
  }

  const summary = (attempts: AttemptRecord[]) =>
    attempts.map(
      (attempt) =>
        `${attempt.provider}${attempt.retry ? `#${attempt.retry}` : ''}:${attempt.errorKind ?? 'ok'}`,
    );

  it('waits for retry-after (seconds) and retries the same deployment', async () => {
    primary.setFaults({ status: 429, retryAfter: '2', count: 1 });
    const sleepsBefore = clock.sleeps.length;
    const { response } = await driveClock(
      client.chat.completions.create({ model: 'chain', messages }).withResponse(),
      1,
    );
    assert.deepEqual(clock.sleeps.slice(sleepsBefore), [2000]);
    assert.equal(response.headers.get('x-switchyard-provider'), 'primary');
    assert.equal(response.headers.get('x-switchyard-attempts'), '2');
    const attempts = await attemptsOf(response.headers.get('x-switchyard-request-id'));
    assert.deepEqual(summary(attempts), ['primary:rate_limited', 'primary#1:ok']);
  });

  it('honours retry-after given as an HTTP date', async () => {
    const date = new Date(Date.now() + 3000).toUTCString();
    primary.setFaults({ status: 429, retryAfter: date, count: 1 });
    const sleepsBefore = clock.sleeps.length;
    const { response } = await driveClock(
      client.chat.completions.create({ model: 'chain', messages }).withResponse(),
      1,
    );
    const waited = clock.sleeps[sleepsBefore] ?? 0;
    assert.ok(waited > 1000 && waited <= 3000, `waited ${waited} ms`);
    assert.equal(response.headers.get('x-switchyard-provider'), 'primary');
  });

  it('backs off exponentially with jitter when no retry-after is given, up to `retries` times', async () => {
    primary.setFaults({ status: 529 });
    const sleepsBefore = clock.sleeps.length;
    const { response } = await driveClock(
      client.chat.completions.create({ model: 'chain', messages }).withResponse(),
      2,
    );
    // random() = 0.5: half of 200 · 2^0, then half of 200 · 2^1.
    assert.deepEqual(clock.sleeps.slice(sleepsBefore), [100, 200]);
    assert.equal(response.headers.get('x-switchyard-provider'), 'backup');
    const attempts = await attemptsOf(response.headers.get('x-switchyard-request-id'));
    assert.deepEqual(summary(attempts), [
      'primary:overloaded',
      'primary#1:overloaded',
      'primary#2:overloaded',
      'backup:ok',
    ]);
  });

  it('moves to the next deployment at once when retry-after is above the cap', async () => {
    primary.setFaults({ status: 429, retryAfter: '120' });
    const sleepsBefore = clock.sleeps.length;
    const { response } = await client.chat.completions
      .create({ model: 'chain', messages })
      .withResponse();
    assert.equal(clock.sleeps.length, sleepsBefore, 'no wait');
    assert.equal(response.headers.get('x-switchyard-provider'), 'backup');
  });

  it('does not retry a 500 on the same deployment (not a "not now" failure)', async () => {
    primary.setFaults({ status: 500 });
    const { response } = await client.chat.completions
      .create({ model: 'chain', messages })
      .withResponse();
    const attempts = await attemptsOf(response.headers.get('x-switchyard-request-id'));
    assert.deepEqual(summary(attempts), ['primary:server', 'backup:ok']);
  });

  it('a deployment with retries: 0 falls back at once', async () => {
    primary.setFaults({ status: 429, retryAfter: '1' });
    const { response } = await client.chat.completions
      .create({ model: 'no-retry', messages })
      .withResponse();
    const attempts = await attemptsOf(response.headers.get('x-switchyard-request-id'));
    assert.deepEqual(summary(attempts), ['primary:rate_limited', 'backup:ok']);
  });

  it('an alias-level retries: 0 (resilience.aliases) falls back at once', async () => {
    primary.setFaults({ status: 429, retryAfter: '1' });
    const { response } = await client.chat.completions
      .create({ model: 'alias-no-retry', messages })
      .withResponse();
    const attempts = await attemptsOf(response.headers.get('x-switchyard-request-id'));
    assert.deepEqual(summary(attempts), ['primary:rate_limited', 'backup:ok']);
  });

  it('a client that leaves during the wait stops the chain', async () => {
    primary.setFaults({ status: 429, retryAfter: '5' });
    const backupBefore = backup.requests.length;
    const finishedBefore = finished.length;
    const sleepsBefore = clock.sleeps.length;
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: 'chain', messages },
      { signal: controller.signal },
    );
    await waitFor(() => clock.sleeps.length > sleepsBefore, 3000, 'the gateway is waiting');
    controller.abort();
    await assert.rejects(pending);
    await waitFor(() => finished.length > finishedBefore, 3000, 'request finished');
    clock.advance(10_000);
    assert.equal(backup.requests.length, backupBefore);
    assert.deepEqual(summary(finished.at(-1)?.context.attempts ?? []), ['primary:rate_limited']);
    assert.ok(
      !gateway.logs.some((line) => line.includes('unhandled pipeline error')),
      'a disconnect during the wait is not logged as a gateway failure',
    );
  });
});
