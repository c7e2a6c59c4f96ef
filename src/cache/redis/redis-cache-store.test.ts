// Runs the CacheStore contract on real Redis (unique key prefix per run), plus compression and the
// behaviour when Redis is down.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { runCacheStoreContract } from '../cache-store.contract.js';
import { subscribeCacheEvents, type CacheEvent } from '../cache-events.js';
import {
  createRedisCacheStore,
  decodeStoredValue,
  encodeStoredValue,
} from './redis-cache-store.js';

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `switchyard-test:${randomBytes(6).toString('hex')}:`;

function storeOptions(url = redisUrl) {
  return {
    url,
    keyPrefix,
    commandTimeoutMs: 500,
    connectTimeoutMs: 500,
    compressAboveBytes: 1024,
    maxLogEntries: 1000,
  };
}

async function waitReady(url: string) {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await probe.connect();
  return probe;
}

runCacheStoreContract('redis', {
  async create() {
    const store = createRedisCacheStore(storeOptions());
    // The store does not queue commands while connecting: wait until it answers.
    for (let tries = 0; tries < 100; tries++) {
      try {
        await store.get('warm-up');
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    return store;
  },
  // Redis expires keys on its own clock: wait for real (the only sleep in these tests).
  expire: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 100)),
});

describe('redis cache store', () => {
  const admin = waitReady(redisUrl);
  after(async () => {
    const client = await admin;
    const keys = await client.keys(`${keyPrefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });

  it('compresses values above the threshold and leaves small ones as they are', async () => {
    const small = Buffer.from('short answer');
    const large = Buffer.from('a long and repetitive answer '.repeat(200));
    const encodedSmall = await encodeStoredValue(small, 1024);
    const encodedLarge = await encodeStoredValue(large, 1024);
    assert.equal(encodedSmall.byteLength, small.byteLength + 1);
    assert.ok(encodedLarge.byteLength < large.byteLength / 5);
    assert.deepEqual(await decodeStoredValue(encodedLarge), large);

    const store = createRedisCacheStore(storeOptions());
    const client = await admin;
    for (let tries = 0; tries < 100; tries++) {
      try {
        await store.set('compressed', large, 60);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const raw = await client.getBuffer(`${keyPrefix}compressed`);
    assert.ok(raw && raw.byteLength < large.byteLength / 5, 'stored compressed in Redis');
    assert.deepEqual(await store.get('compressed'), large);
    await store.close();
  });

  it('fails fast (no hang) and reports when Redis is unreachable', async () => {
    // A port that accepts nothing: bind, note the port, close.
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const events: CacheEvent[] = [];
    const unsubscribe = subscribeCacheEvents((event) => events.push(event));
    const store = createRedisCacheStore(storeOptions(`redis://127.0.0.1:${port}`));
    const started = performance.now();
    await assert.rejects(store.get('anything'));
    await assert.rejects(store.set('anything', Buffer.from('x'), 60));
    const elapsedMs = performance.now() - started;
    // Generous: the point is "no hang", not speed.
    assert.ok(elapsedMs < 2_000, `took ${elapsedMs} ms`);
    assert.ok(events.some((event) => event.type === 'store-error' && event.operation === 'get'));
    unsubscribe();
    await store.close();
  });
});

describe('redis cache store, unreadable values', () => {
  it('treats a value it cannot decode as a miss', async () => {
    const client = new Redis(redisUrl);
    const store = createRedisCacheStore(storeOptions());
    try {
      await client.set(`${keyPrefix}garbage`, Buffer.from([7, 1, 2, 3]));
      let value: Buffer | undefined | 'failed' = 'failed';
      for (let tries = 0; tries < 100 && value === 'failed'; tries++) {
        value = await store.get('garbage').catch(() => 'failed' as const);
        if (value === 'failed') await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(value, undefined);
    } finally {
      await client.del(`${keyPrefix}garbage`);
      client.disconnect();
      await store.close();
    }
  });
});
