// The semantic cache over real HTTP: paraphrases hit within a tenant and alias, negation and number
// changes do not, partitions are hard; an embeddings alias can embed; replicas share entries
// through Redis.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function ask(
  gateway: TestGateway,
  content: string,
  options: { model?: string; user?: string; system?: string; stream?: boolean } = {},
) {
  const messages: Array<{ role: string; content: string }> = [];
  if (options.system) messages.push({ role: 'system', content: options.system });
  messages.push({ role: 'user', content });
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.user ? { 'x-switchyard-user': options.user } : {}),
    },
    body: JSON.stringify({
      model: options.model ?? 'support',
      temperature: 0,
      messages,
      ...(options.stream ? { stream: true } : {}),
    }),
  });
  const text = await response.text();
  return {
    status: response.status,
    cache: response.headers.get('x-switchyard-cache'),
    similarity: response.headers.get('x-switchyard-cache-similarity'),
    text,
  };
}

describe('semantic cache (local embedder, in-process)', () => {
  let emulator: Emulator;
  let gateway: TestGateway;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        {
          support: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
          other: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
        },
        {
          cache: {
            aliases: {
              support: { semantic: { embedder: 'local' } },
              other: { semantic: { embedder: 'local' } },
            },
          },
        },
      ),
    );
  });

  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('serves a paraphrase from the cache, with its similarity, and the original answer', async () => {
    const first = await ask(gateway, 'How do I reset my password?', { user: 'alice' });
    assert.equal(first.cache, 'miss');
    const second = await ask(gateway, 'How can I reset my password', { user: 'alice' });
    assert.equal(second.cache, 'semantic');
    const similarity = Number(second.similarity);
    assert.ok(similarity >= 0.85 && similarity <= 1, String(similarity));
    const answer = (body: string) =>
      (JSON.parse(body) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message
        .content;
    // The emulator echoes the prompt: the cached answer is the first prompt's.
    assert.equal(answer(second.text), answer(first.text));
    assert.match(answer(second.text) ?? '', /How do I reset my password/);
    // A streaming client gets the semantic hit as a stream.
    const streamed = await ask(gateway, 'How could I reset my password?', {
      user: 'alice',
      stream: true,
    });
    assert.equal(streamed.cache, 'semantic');
    assert.match(streamed.text, /How do I reset my /);
    assert.match(streamed.text, /data: \[DONE\]/);
  });

  it('does not hit on a negation or a number change', async () => {
    assert.equal((await ask(gateway, 'Is it safe to take 2 tablets of ibuprofen?')).cache, 'miss');
    assert.equal(
      (await ask(gateway, 'Is it safe to take 2 tablets of ibuprofen')).cache,
      'semantic',
    );
    assert.equal(
      (await ask(gateway, 'Is it not safe to take 2 tablets of ibuprofen?')).cache,
      'miss',
    );
    assert.equal((await ask(gateway, 'Is it safe to take 20 tablets of ibuprofen?')).cache, 'miss');
    assert.ok(gateway.logs.some((line) => line.includes('semantic cache near miss')));
    assert.ok(
      gateway.logs.some(
        (line) => line.includes('semantic cache hit') && line.includes('"similarity"'),
      ),
    );
  });

  it('never crosses tenants, aliases or conversation contexts', async () => {
    assert.equal(
      (await ask(gateway, 'What is the capital of France?', { user: 'carol' })).cache,
      'miss',
    );
    assert.equal(
      (await ask(gateway, "What's the capital of France?", { user: 'carol' })).cache,
      'semantic',
    );
    assert.equal(
      (await ask(gateway, "What's the capital of France?", { user: 'dave' })).cache,
      'miss',
    );
    assert.equal(
      (await ask(gateway, "What's the capital of France?", { user: 'carol', model: 'other' }))
        .cache,
      'miss',
    );
    assert.equal(
      (
        await ask(gateway, "What's the capital of France?", {
          user: 'carol',
          system: 'Answer in German.',
        })
      ).cache,
      'miss',
    );
  });
});

describe('semantic cache with an embeddings alias', () => {
  let emulator: Emulator;
  let gateway: TestGateway;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        {
          support: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
          embed: [{ provider: 'upstream', model: 'text-embedding-3-small' }],
        },
        { cache: { aliases: { support: { semantic: { embedder: 'embed', threshold: 0.95 } } } } },
      ),
    );
  });

  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('embeds the last user turn through the alias, and serves requests when the embedder fails', async () => {
    const embedCalls = () =>
      emulator.requests.filter((request) => request.path === '/v1/embeddings');
    const before = embedCalls().length;
    assert.equal((await ask(gateway, 'Where is my parcel?')).cache, 'miss');
    const calls = embedCalls();
    assert.equal(calls.length, before + 1);
    const body = calls.at(-1)?.body as { model: string; input: string };
    assert.equal(body.model, 'text-embedding-3-small');
    assert.equal(body.input, 'Where is my parcel?');

    emulator.setFaults({ status: 500, path: '/v1/embeddings' });
    const served = await ask(gateway, 'Where is my parcel, please?');
    assert.equal(served.status, 200);
    assert.equal(served.cache, 'miss');
    emulator.clearFaults();
    assert.ok(gateway.logs.some((line) => line.includes('semantic cache embedder failed')));
  });
});

describe('semantic cache shared by two replicas through Redis', () => {
  let emulator: Emulator;
  let replicaA: TestGateway;
  let replicaB: TestGateway;
  const keyPrefix = `switchyard-test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(redisUrl);

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    const config = configFor(
      { upstream: { baseUrl: `${emulator.url}/v1` } },
      { support: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
      {
        cache: {
          store: 'redis',
          redis: { url: redisUrl, keyPrefix },
          semantic: { syncIntervalMs: 50 },
          aliases: { support: { semantic: {} } },
        },
      },
    );
    replicaA = await startGateway(config);
    replicaB = await startGateway(config);
  });

  after(async () => {
    await replicaA.close();
    await replicaB.close();
    await emulator.close();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('a paraphrase on replica B hits the entry replica A stored', async () => {
    const deadline = Date.now() + 5_000;
    // Replica A stores (once its Redis connection is up).
    for (;;) {
      const first = await ask(replicaA, 'How do I cancel my subscription?');
      if (first.cache === 'miss' || first.cache === 'hit') break;
      if (Date.now() > deadline) throw new Error('replica A never reached Redis');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Replica B loads the entry from the shared log on its next sync (every 50 ms here): wait until
    // the entry is in the log, then several sync intervals. (A miss on B would store B's own entry.)
    while ((await redis.xlen(`${keyPrefix}semantic-log`)) < 1) {
      if (Date.now() > deadline) throw new Error('replica A never appended its entry');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const result = await ask(replicaB, 'How can I cancel my subscription?');
    assert.equal(result.cache, 'semantic');
    assert.match(result.text, /How do I cancel my subscription/);
  });
});
