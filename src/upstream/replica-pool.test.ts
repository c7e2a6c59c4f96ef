import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { replicaPoolSchema } from '../config/routing-schema.js';
import type { ChatMessage } from '../core/index.js';
import { createReplicaPool, type ReplicaPool } from './replica-pool.js';

const text = (role: 'system' | 'user', value: string): ChatMessage =>
  role === 'system'
    ? { role, content: [{ type: 'text', text: value }] }
    : { role, content: [{ type: 'text', text: value }] };

function conversation(id: number, turns: number): ChatMessage[] {
  const messages: ChatMessage[] = [text('system', 'You are a careful assistant. '.repeat(4))];
  for (let turn = 0; turn < turns; turn++) {
    messages.push(
      text('user', `Conversation ${id}, turn ${turn}: tell me more about topic ${id * 7 + turn}.`),
    );
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `Answer ${turn}.` }] });
  }
  return messages;
}

describe('replica pool choice', () => {
  const dispatchers = [0, 1, 2, 3].map((index) => new Pool(`http://127.0.0.1:${9 + index}`));
  let pool: ReplicaPool;

  before(() => {
    pool = createReplicaPool({
      name: 'unit',
      replicas: dispatchers.map((dispatcher, index) => ({
        url: `http://replica-${index}/v1`,
        dispatcher,
      })),
      config: replicaPoolSchema.parse({
        health: { enabled: false },
        discoverModels: false,
        affinity: { loadSlack: 2 },
      }),
    });
  });

  after(async () => {
    pool.close();
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
  });

  const pick = (messages: ChatMessage[]) => {
    const result = pool.pick({ model: 'm', messages, salt: 's' });
    assert.equal(result.type, 'chosen');
    return result;
  };

  it('follows the replica that served the earlier turns, and spills when it is overloaded', () => {
    const first = pick(conversation(1, 1));
    pool.acquire(first.choice.replica, first.prefix, true)();
    const second = pick(conversation(1, 2));
    assert.equal(second.choice.reason, 'affinity');
    assert.equal(second.choice.replica, first.choice.replica);
    // Pile in-flight requests on it: past loadFactor × mean and loadSlack over the least loaded.
    const releases = Array.from({ length: 6 }, () => pool.acquire(first.choice.replica, undefined));
    const third = pick(conversation(1, 3));
    assert.equal(third.choice.reason, 'spill');
    assert.notEqual(third.choice.replica, first.choice.replica);
    for (const release of releases) release();
    const fourth = pick(conversation(1, 3));
    assert.equal(
      fourth.choice.replica,
      first.choice.replica,
      'affinity returns once load evens out',
    );
  });

  it('places a new conversation that shares only the system prompt by load, not affinity', () => {
    const result = pick(conversation(2, 1));
    assert.equal(result.choice.reason, 'branch');
  });

  it('keeps tenants apart: another salt does not match the prefix', () => {
    const owner = pick(conversation(3, 1));
    pool.acquire(owner.choice.replica, owner.prefix, true)();
    const otherTenant = pool.pick({ model: 'm', messages: conversation(3, 2), salt: 'other' });
    assert.equal(otherTenant.type === 'chosen' && otherTenant.choice.matchedBlocks, 0);
  });
});

describe('replica pool metrics scraping', () => {
  let server: Server;
  let url = '';
  let pool: ReplicaPool;
  const dispatchers: Pool[] = [];

  before(async () => {
    // An older vLLM: deprecated gauge names, and a long queue.
    server = createServer((request, response) => {
      if (request.url === '/metrics') {
        response.end(
          [
            '# TYPE vllm:num_requests_waiting gauge',
            'vllm:num_requests_waiting{model_name="m"} 12.0',
            'vllm:num_requests_running{model_name="m"} 3.0',
            'vllm:gpu_cache_usage_perc{model_name="m"} 0.9',
            'vllm:gpu_prefix_cache_queries_total{model_name="m"} 100.0',
            'vllm:gpu_prefix_cache_hits_total{model_name="m"} 40.0',
          ].join('\n'),
        );
      } else response.end(request.url === '/v1/models' ? '{"data":[{"id":"m"}]}' : '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
    for (let index = 0; index < 2; index++) dispatchers.push(new Pool(new URL(url).origin));
    pool = createReplicaPool({
      name: 'scraped',
      replicas: dispatchers.map((dispatcher) => ({ url, dispatcher })),
      config: replicaPoolSchema.parse({ metrics: { enabled: true, intervalMs: 20 } }),
    });
  });

  after(async () => {
    pool.close();
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads the old gauge names and counts the queue in the load', async () => {
    await pool.ready;
    const deadline = Date.now() + 3_000;
    while (pool.replicas.some((replica) => replica.load === undefined) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const replica = pool.replicas[0]!;
    assert.deepEqual(replica.load, {
      waiting: 12,
      running: 3,
      kvCacheUsage: 0.9,
      prefixQueries: 100,
      prefixHits: 40,
    });
    assert.deepEqual([...(replica.models ?? [])], ['m']);
  });
});
