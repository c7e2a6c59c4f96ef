// A deployment's circuit breaker opens after N consecutive failures (traffic skips it), lets one
// probe through after the cooldown, closes on its success and re-opens with a longer cooldown on
// its failure; with every deployment open the gateway fails fast without calling anyone. Time is
// a manual clock: no test sleeps for a cooldown.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { createManualClock, type ManualClock } from '../src/resilience/clock.js';
import type { DeploymentHealth } from '../src/resilience/create-breaker-registry.js';
import {
  subscribeBreakerStateChanged,
  subscribeRequestFinished,
  type BreakerStateChangedEvent,
  type RequestFinishedEvent,
} from '../src/telemetry/events.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

const messages = [{ role: 'user' as const, content: 'hello there' }];

describe('circuit breaker per deployment', () => {
  let primary: Emulator;
  let backup: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;
  let clock: ManualClock;
  const changes: BreakerStateChangedEvent[] = [];
  const finished: RequestFinishedEvent[] = [];
  const unsubscribes: Array<() => void> = [];

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
            { provider: 'primary', model: 'p' },
            { provider: 'backup', model: 'b' },
          ],
          solo: [{ provider: 'primary', model: 'p' }],
        },
        resilience: {
          retries: { maxRetries: 0 },
          breaker: { consecutiveFailures: 3, cooldownMs: 10_000, maxCooldownMs: 60_000 },
        },
      },
      {},
      { clock },
    );
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    unsubscribes.push(
      subscribeBreakerStateChanged((event) => {
        if (event.deployment === 'primary/p') changes.push(event);
      }),
      subscribeRequestFinished((event) => finished.push(event)),
    );
  });

  afterEach(() => {
    primary.clearFaults();
    backup.clearFaults();
  });

  after(async () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
    await gateway.close();
    await primary.close();
    await backup.close();
  });

  async function health(): Promise<DeploymentHealth[]> {
    const response = await fetch(`${gateway.url}/admin/providers`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { deployments: DeploymentHealth[] }).deployments;
  }

  async function primaryState(): Promise<string | undefined> {
    return (await health()).find((entry) => entry.deployment === 'primary/p')?.breaker.state;
  }

  async function chat(model: string) {
    const { data, response } = await client.chat.completions
      .create({ model, messages })
      .withResponse();
    return { data, headers: response.headers };
  }

  async function contextOf(requestId: string | null) {
    await waitFor(
      () => finished.some((event) => event.context.requestId === requestId),
      3000,
      'request finished',
    );
    return finished.find((event) => event.context.requestId === requestId)?.context;
  }

  it('lists every deployment, closed, at GET /admin/providers', async () => {
    const deployments = await health();
    assert.deepEqual(
      deployments.map((entry) => [entry.deployment, entry.aliases, entry.breaker.state]),
      [
        ['primary/p', ['chain', 'solo'], 'closed'],
        ['backup/b', ['chain'], 'closed'],
      ],
    );
  });

  it('opens after 3 consecutive failures; traffic then skips the deployment', async () => {
    primary.setFaults({ status: 500 });
    for (let index = 0; index < 3; index++) {
      const { headers } = await chat('chain');
      assert.equal(headers.get('x-switchyard-provider'), 'backup');
    }
    assert.equal(await primaryState(), 'open');
    assert.equal(changes.at(-1)?.to, 'open');
    assert.match(changes.at(-1)?.reason ?? '', /3 consecutive failures/);

    const before = primary.requests.length;
    const { headers } = await chat('chain');
    assert.equal(headers.get('x-switchyard-provider'), 'backup');
    assert.equal(headers.get('x-switchyard-attempts'), '1');
    assert.equal(primary.requests.length, before, 'the open deployment was not called');
    const context = await contextOf(headers.get('x-switchyard-request-id'));
    assert.deepEqual(
      context?.skipped?.map((entry) => [entry.deployment, entry.reason]),
      [['primary/p', 'circuit_open']],
    );
  });

  it('fails fast with 503 saying so when every deployment is open', async () => {
    const before = primary.requests.length;
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'solo', messages }),
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('x-should-retry'), 'false');
    assert.equal(response.headers.get('retry-after'), '10');
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'upstream_unavailable');
    assert.match(body.error.message, /circuit breaker open for primary\/p/);
    assert.match(body.error.message, /No upstream was called/);
    assert.equal(primary.requests.length, before);
  });

  it('after the cooldown a failed probe re-opens it with a doubled cooldown', async () => {
    primary.setFaults({ status: 500 });
    clock.advance(10_000);
    const before = primary.requests.length;
    const { headers } = await chat('chain');
    assert.equal(headers.get('x-switchyard-provider'), 'backup');
    assert.equal(primary.requests.length, before + 1, 'exactly one probe reached the primary');
    const context = await contextOf(headers.get('x-switchyard-request-id'));
    assert.equal(context?.attempts[0]?.probe, true);
    const entry = (await health()).find((item) => item.deployment === 'primary/p');
    assert.equal(entry?.breaker.state, 'open');
    assert.equal(entry?.breaker.cooldownMs, 20_000);
    assert.deepEqual(
      changes.slice(-2).map((change) => change.to),
      ['half-open', 'open'],
    );
  });

  it('lets exactly one probe through while it is in flight; its success closes the breaker', async () => {
    clock.advance(20_000);
    // The probe is slow; a second request meanwhile must skip the primary, not wait for it.
    primary.setFaults({ latencyMs: 1500, count: 1 });
    const before = primary.requests.length;
    const probe = chat('chain');
    await waitFor(() => primary.requests.length === before + 1, 3000, 'probe reached primary');
    const during = await chat('chain');
    assert.equal(during.headers.get('x-switchyard-provider'), 'backup');
    const duringContext = await contextOf(during.headers.get('x-switchyard-request-id'));
    assert.equal(duringContext?.skipped?.[0]?.retryInMs, 0, 'skipped: probe in flight');
    const { headers } = await probe;
    assert.equal(headers.get('x-switchyard-provider'), 'primary');
    assert.equal(primary.requests.length, before + 1);
    assert.equal(await primaryState(), 'closed');
    assert.deepEqual(
      changes.slice(-2).map((change) => change.to),
      ['half-open', 'closed'],
    );
    const after = await chat('chain');
    assert.equal(after.headers.get('x-switchyard-provider'), 'primary');
  });

  it('does not count client errors against the deployment', async () => {
    primary.setFaults({ status: 400 });
    for (let index = 0; index < 4; index++) {
      await assert.rejects(chat('chain'), OpenAI.BadRequestError);
    }
    assert.equal(await primaryState(), 'closed');
  });

  it('refuses /admin/providers on a non-loopback bind without an admin key', async () => {
    const { handleAdminProviders } = await import('../src/server/handle-admin-providers.js');
    const request = { headers: {} } as Parameters<typeof handleAdminProviders>[0];
    const open = handleAdminProviders(request, { host: '0.0.0.0', describe: () => [] });
    assert.equal(open.status, 403);
    const keyed = { headers: { authorization: 'Bearer s3cret' } } as typeof request;
    assert.equal(
      handleAdminProviders(keyed, { host: '0.0.0.0', adminKey: 's3cret', describe: () => [] })
        .status,
      200,
    );
    assert.equal(
      handleAdminProviders(request, { host: '127.0.0.1', adminKey: 's3cret', describe: () => [] })
        .status,
      401,
    );
  });
});
