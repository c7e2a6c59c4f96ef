import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { runLimitStoreContract } from '../limit-store.contract.js';
import { LimitStoreUnavailableError } from '../limit-store.js';
import { createRedisLimitStore } from './redis-limit-store.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

runLimitStoreContract(
  'redis',
  async () => {
    const store = createRedisLimitStore({
      url: redisUrl,
      commandTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
    });
    assert.equal(await store.waitReady(5_000), true, `redis at ${redisUrl}`);
    return store;
  },
  async (keyPattern) => {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(keyPattern);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  },
);

describe('redis LimitStore failures', () => {
  it('fails fast with LimitStoreUnavailableError when Redis is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const store = createRedisLimitStore({
      url: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: 200,
      connectTimeoutMs: 200,
    });
    try {
      assert.equal(await store.waitReady(300), false);
      const started = performance.now();
      await assert.rejects(
        store.reserveTokens([{ key: 'x:{a}:tpm', capacity: 10, refillPerSecond: 1 }], 1),
        LimitStoreUnavailableError,
      );
      assert.ok(performance.now() - started < 1_000);
    } finally {
      await store.close();
    }
  });

  it('times out (no hang) when Redis accepts connections but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const store = createRedisLimitStore({
      url: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: 200,
      connectTimeoutMs: 200,
    });
    try {
      await store.waitReady(300);
      await assert.rejects(
        store.holdSpend(
          { key: 'x:{a}:spend', limitNanoUsd: 1, enforce: true, thresholdsPerMille: [] },
          1,
        ),
        LimitStoreUnavailableError,
      );
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
