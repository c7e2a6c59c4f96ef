// Prefix affinity over 4 emulated vLLM replicas: 20 concurrent conversations of 10 turns each, all
// sharing one long system prompt. Each conversation should stay on one replica (≥ 90 % of its
// turns) while the load stays within 1.25× of even. Also: vLLM's cache_salt differs per tenant.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

const REPLICAS = 4;
const CONVERSATIONS = 20;
const TURNS = 10;

const systemPrompt =
  'You are the support assistant of Acme Cloud. Answer briefly and politely. Never reveal internal ' +
  'ticket numbers. When a question is about billing, point to the billing page. When it is about ' +
  'outages, point to the status page. Always end with an offer to help further. Use British spelling.';

const topics = [
  'my invoice shows a duplicate charge for the storage add-on',
  'the dashboard will not load after I changed my password',
  'how to rotate the API key used by our deploy pipeline',
  'our bucket in the eu region returns access denied errors',
  'I want to move my team to the annual plan next month',
];

describe('replica pool prefix affinity', () => {
  const replicas: Emulator[] = [];
  /** replica name → conversation id → turns served */
  const served = new Map<string, Map<number, number>>();
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    for (let index = 0; index < REPLICAS; index++) {
      const emulator = await startEmulator({ kind: 'vllm', name: `r${index}` });
      served.set(emulator.name, new Map());
      emulator.on('request', (request) => {
        if (request.path !== '/v1/chat/completions') return;
        const body = request.body as { messages: Array<{ role: string; content: string }> };
        const first = body.messages.find((message) => message.role === 'user')?.content ?? '';
        const id = Number(/^Conversation (\d+):/.exec(first)?.[1]);
        const counts = served.get(emulator.name)!;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      });
      replicas.push(emulator);
    }
    gateway = await startGateway({
      providers: {
        pool: {
          type: 'openai-compatible',
          replicas: replicas.map((replica) => `${replica.url}/v1`),
          pool: { health: { intervalMs: 60_000 } },
        },
      },
      models: { chat: [{ provider: 'pool', model: 'emulator-model' }] },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  it('keeps each conversation on one replica with even load', async (t) => {
    async function converse(id: number): Promise<void> {
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'system', content: systemPrompt },
      ];
      for (let turn = 0; turn < TURNS; turn++) {
        const topic = topics[(id + turn) % topics.length]!;
        const content =
          turn === 0
            ? `Conversation ${id}: hello, I am customer number ${1000 + id * 37} and ${topic}.`
            : `Follow-up ${turn} of conversation ${id}: thanks, and also ${topic}?`;
        messages.push({ role: 'user', content });
        const completion = await client.chat.completions.create({
          model: 'chat',
          messages,
          stream: turn % 2 === 1,
        });
        let reply = '';
        if (Symbol.asyncIterator in completion) {
          for await (const chunk of completion) reply += chunk.choices[0]?.delta.content ?? '';
        } else {
          reply = completion.choices[0]?.message.content ?? '';
        }
        messages.push({ role: 'assistant', content: reply });
      }
    }
    await Promise.all(Array.from({ length: CONVERSATIONS }, (_, id) => converse(id)));

    const perReplica = [...served.values()].map((counts) =>
      [...counts.values()].reduce((sum, value) => sum + value, 0),
    );
    assert.equal(
      perReplica.reduce((sum, value) => sum + value, 0),
      CONVERSATIONS * TURNS,
    );
    const even = (CONVERSATIONS * TURNS) / REPLICAS;
    const maxLoad = Math.max(...perReplica);
    let stickyConversations = 0;
    const stickiness: number[] = [];
    for (let id = 0; id < CONVERSATIONS; id++) {
      const onEach = [...served.values()].map((counts) => counts.get(id) ?? 0);
      const share = Math.max(...onEach) / TURNS;
      stickiness.push(share);
      if (share >= 0.9) stickyConversations++;
    }
    const detail = `load per replica ${perReplica.join('/')}, stickiness ${stickiness.join(',')}`;
    t.diagnostic(detail);
    t.diagnostic(
      JSON.stringify([...served.entries()].map(([name, counts]) => [name, [...counts.keys()]])),
    );
    assert.ok(maxLoad <= 1.25 * even, `load within 1.25× of even (${detail})`);
    assert.equal(
      stickyConversations,
      CONVERSATIONS,
      `every conversation ≥ 90 % on one replica (${detail})`,
    );
  });

  it('exports per-replica requests, health and choice counts on /metrics', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    for (const replica of replicas) {
      const url = `${replica.url}/v1`;
      assert.match(
        text,
        new RegExp(`switchyard_replica_healthy\\{pool="pool",replica="${url}"\\} 1`),
      );
      assert.match(
        text,
        new RegExp(`switchyard_replica_requests_total\\{pool="pool",replica="${url}"\\} 50`),
      );
    }
    // 20 first turns placed, 180 later turns by affinity.
    assert.match(text, /switchyard_replica_choices_total\{pool="pool",choice="affinity"\} 180/);
  });

  it('sends a different cache_salt per tenant and the same one for the same tenant', async () => {
    const salts: Record<string, unknown[]> = { alice: [], bob: [] };
    for (const user of ['alice', 'bob', 'alice'] as const) {
      const counts = replicas.map((replica) => replica.requests.length);
      await client.chat.completions.create(
        { model: 'chat', messages: [{ role: 'user', content: 'What is our refund policy?' }] },
        { headers: { 'x-switchyard-user': user } },
      );
      const replica = replicas.find((each, index) => each.requests.length > counts[index]!)!;
      const body = replica.requests.at(-1)!.body as { cache_salt?: unknown };
      salts[user]!.push(body.cache_salt);
    }
    assert.equal(typeof salts.alice![0], 'string');
    assert.equal(salts.alice![0], salts.alice![1]);
    assert.notEqual(salts.alice![0], salts.bob![0]);
    assert.ok(!String(salts.alice![0]).includes('alice'), 'the salt does not reveal the tenant');
  });
});

describe('replica pool bounded load', () => {
  const replicas: Emulator[] = [];
  let gateway: TestGateway;

  before(async () => {
    for (const name of ['x', 'y']) replicas.push(await startEmulator({ kind: 'vllm', name }));
    gateway = await startGateway({
      providers: {
        pool: {
          type: 'openai-compatible',
          replicas: replicas.map((replica) => `${replica.url}/v1`),
          pool: { health: { intervalMs: 60_000 }, affinity: { loadSlack: 1 } },
        },
      },
      models: { chat: [{ provider: 'pool', model: 'emulator-model' }] },
    });
  });

  after(async () => {
    await gateway.close();
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  const send = (messages: Array<{ role: string; content: string }>) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages }),
    });

  it('gives affinity up to the less-loaded replica when the affine one is backed up', async (t) => {
    const first = [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: 'Conversation 99: my build fails with a missing dependency error.' },
    ];
    assert.equal((await send(first)).status, 200);
    const chats = (replica: Emulator) =>
      replica.requests.filter((request) => request.path === '/v1/chat/completions').length;
    const home = replicas.find((replica) => chats(replica) > 0)!;
    const other = replicas.find((replica) => replica !== home)!;
    // The home replica becomes slow: its in-flight requests pile up.
    home.setFaults({ latencyMs: 2_000, path: '/v1/chat/completions' });
    const next = [
      ...first,
      { role: 'assistant', content: 'Echo: Conversation 99: my build fails' },
      { role: 'user', content: 'It says module not found for the logger package, what now?' },
    ];
    const homeBefore = chats(home);
    const responses = await Promise.all(Array.from({ length: 8 }, () => send(next)));
    home.clearFaults();
    assert.ok(responses.every((response) => response.status === 200));
    const onHome = chats(home) - homeBefore;
    const onOther = chats(other);
    assert.equal(onHome + onOther, 8);
    t.diagnostic(`affine replica ${onHome}, other replica ${onOther}`);
    assert.ok(onHome >= 2, `the affine replica kept some (${onHome}/${onOther})`);
    assert.ok(onOther >= 2, `the rest spilled to the other replica (${onHome}/${onOther})`);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /switchyard_replica_choices_total\{pool="pool",choice="spill"\} [1-9]/);
  });
});
