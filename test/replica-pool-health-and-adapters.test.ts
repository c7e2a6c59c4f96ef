// Replica pool: an ejected replica (its /health answers 503) gets no traffic and is re-admitted when
// health recovers; LoRA adapter requests go only to the replicas that list the adapter.

import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import type { ReplicaHealthEvent } from '../src/upstream/replica-pool.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

const chatRequests = (emulator: Emulator) =>
  emulator.requests.filter((request) => request.path === '/v1/chat/completions').length;

describe('replica pool health checks', () => {
  const replicas: Emulator[] = [];
  const events: ReplicaHealthEvent[] = [];
  const onEvent = (message: unknown) => events.push(message as ReplicaHealthEvent);
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    subscribe('switchyard:upstream:replica-health', onEvent);
    for (const name of ['a', 'b', 'c']) replicas.push(await startEmulator({ kind: 'vllm', name }));
    gateway = await startGateway({
      providers: {
        pool: {
          type: 'openai-compatible',
          replicas: replicas.map((replica) => `${replica.url}/v1`),
          pool: { health: { intervalMs: 50, unhealthyThreshold: 1, healthyThreshold: 1 } },
        },
      },
      models: { chat: [{ provider: 'pool', model: 'emulator-model' }] },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  after(async () => {
    unsubscribe('switchyard:upstream:replica-health', onEvent);
    await gateway.close();
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  async function sendMany(count: number): Promise<void> {
    for (let index = 0; index < count; index++) {
      await client.chat.completions.create({
        model: 'chat',
        messages: [
          {
            role: 'user',
            content: `Independent question number ${index}: what is ${index} squared?`,
          },
        ],
      });
    }
  }

  it('ejects a replica whose health check fails and sends it nothing', async () => {
    const sick = replicas[1]!;
    sick.setFaults({ status: 503, path: '/v1/chat/completions' });
    await waitFor(
      () => events.some((event) => event.url.startsWith(sick.url) && !event.healthy),
      3000,
      'ejection',
    );
    const before = chatRequests(sick);
    await sendMany(30);
    assert.equal(chatRequests(sick), before, 'the ejected replica got no request');
    assert.ok(
      gateway.logs.some(
        (line) => line.includes('"msg":"replica ejected"') && line.includes(sick.url),
      ),
      'the ejection is logged',
    );
    assert.ok(chatRequests(replicas[0]!) > 0 && chatRequests(replicas[2]!) > 0);
  });

  it('re-admits it after its health recovers', async () => {
    const sick = replicas[1]!;
    sick.clearFaults();
    await waitFor(
      () => events.some((event) => event.url.startsWith(sick.url) && event.healthy),
      3000,
      're-admission',
    );
    const before = chatRequests(sick);
    await sendMany(30);
    assert.ok(chatRequests(sick) > before, 'traffic returns to the recovered replica');
  });
});

describe('replica pool with an unreachable replica', () => {
  let live: Emulator;
  let gateway: TestGateway;
  const events: ReplicaHealthEvent[] = [];
  const onEvent = (message: unknown) => events.push(message as ReplicaHealthEvent);

  before(async () => {
    subscribe('switchyard:upstream:replica-health', onEvent);
    live = await startEmulator({ kind: 'vllm', name: 'live' });
    // A port nothing listens on: connections are refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const deadPort = typeof address === 'object' && address ? address.port : 1;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    gateway = await startGateway({
      providers: {
        pool: {
          type: 'openai-compatible',
          replicas: [`http://127.0.0.1:${deadPort}/v1`, `${live.url}/v1`],
          pool: { health: { intervalMs: 60_000, unhealthyThreshold: 2 } },
        },
      },
      models: { chat: [{ provider: 'pool', model: 'emulator-model' }] },
    });
  });

  after(async () => {
    unsubscribe('switchyard:upstream:replica-health', onEvent);
    await gateway.close();
    await live.close();
  });

  it('retries a refused connection on another replica and ejects the dead one', async () => {
    for (let index = 0; index < 10; index++) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'chat',
          messages: [
            { role: 'user', content: `Question ${index} about something different each time` },
          ],
        }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-switchyard-attempts'), '1');
    }
    assert.equal(chatRequests(live), 10);
    assert.ok(
      events.some(
        (event) =>
          event.url.includes('127.0.0.1:') && !event.url.startsWith(live.url) && !event.healthy,
      ),
    );
  });
});

describe('replica pool LoRA adapters', () => {
  const replicas: Emulator[] = [];
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    const adapters = [['support-lora'], [], ['support-lora', 'sql-lora']];
    for (const [index, loraAdapters] of adapters.entries()) {
      replicas.push(
        await startEmulator({
          kind: 'vllm',
          name: `l${index}`,
          models: ['base-model'],
          loraAdapters,
        }),
      );
    }
    gateway = await startGateway({
      providers: {
        pool: {
          type: 'openai-compatible',
          replicas: replicas.map((replica) => `${replica.url}/v1`),
          pool: { health: { intervalMs: 60_000 } },
        },
      },
      models: {
        support: [{ provider: 'pool', model: 'support-lora' }],
        sql: [{ provider: 'pool', model: 'sql-lora' }],
        base: [{ provider: 'pool', model: 'base-model' }],
      },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  async function countByReplica(model: string, count: number): Promise<number[]> {
    const before = replicas.map(chatRequests);
    for (let index = 0; index < count; index++) {
      const completion = await client.chat.completions.create({
        model,
        messages: [
          {
            role: 'user',
            content: `Ticket ${index}: please summarise the customer issue ${index}.`,
          },
        ],
      });
      assert.ok(completion.choices[0]?.message.content);
    }
    return replicas.map((replica, index) => chatRequests(replica) - before[index]!);
  }

  it('sends an adapter only to replicas that serve it', async () => {
    const support = await countByReplica('support', 20);
    assert.equal(support[1], 0, `support-lora never on l1 (${support.join('/')})`);
    assert.ok(
      support[0]! > 0 && support[2]! > 0,
      `support-lora spread over l0 and l2 (${support.join('/')})`,
    );
    const sql = await countByReplica('sql', 10);
    assert.deepEqual(sql, [0, 0, 10]);
    // The base model may go anywhere; placement evens out the total, so the replica without
    // adapters (idle so far) takes most of it.
    const base = await countByReplica('base', 21);
    assert.ok(base[1]! >= 10, `the base model fills the idle replica (${base.join('/')})`);
  });
});
