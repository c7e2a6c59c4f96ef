// Redis LimitStore over ioredis: one atomic Lua script per operation (EVALSHA via defineCommand,
// which reloads on NOSCRIPT), a timeout on every command and no offline queue, so a Redis outage
// fails fast with LimitStoreUnavailableError and the caller applies its failure policy.

import { createFailFastRedis } from '../../lib/create-fail-fast-redis.js';
import {
  LimitStoreUnavailableError,
  type LimitStore,
  type SpendCounterSpec,
  type TokenBucketSpec,
} from '../limit-store.js';
import { publishLimitEvent } from '../limit-events.js';
import {
  adjustTokensScript,
  holdSpendScript,
  reserveTokensScript,
  settleSpendScript,
} from './limit-scripts.js';

export interface RedisLimitStoreOptions {
  url: string;
  /** Every command rejects after this long. */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

export interface RedisLimitStore extends LimitStore {
  /** Resolves when connected, or after `timeoutMs` (the store then fails per call until Redis is back). */
  waitReady(timeoutMs: number): Promise<boolean>;
}

type ScriptCommand = (...args: Array<string | number>) => Promise<unknown>;

function bucketArguments(buckets: readonly TokenBucketSpec[]): Array<string | number> {
  const args: Array<string | number> = [];
  for (const bucket of buckets) args.push(bucket.capacity, bucket.refillPerSecond / 1000);
  return args;
}

function toNumbers(reply: unknown): number[] {
  if (!Array.isArray(reply)) throw new Error('unexpected script reply');
  return reply.map((value) => Number(value));
}

export function createRedisLimitStore(options: RedisLimitStoreOptions): RedisLimitStore {
  const redis = createFailFastRedis({
    url: options.url,
    commandTimeoutMs: options.commandTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    onAvailability: (state) =>
      publishLimitEvent({
        type: 'store-state',
        store: 'redis',
        state: state ? 'available' : 'unavailable',
      }),
  });

  redis.defineCommand('switchyardReserveTokens', { lua: reserveTokensScript });
  redis.defineCommand('switchyardAdjustTokens', { lua: adjustTokensScript });
  redis.defineCommand('switchyardHoldSpend', { lua: holdSpendScript, numberOfKeys: 1 });
  redis.defineCommand('switchyardSettleSpend', { lua: settleSpendScript, numberOfKeys: 1 });
  const commands = redis as unknown as Record<string, ScriptCommand>;
  const call = (name: string, ...args: Array<string | number>) => {
    const command = commands[name];
    if (!command) throw new Error(`script ${name} not defined`);
    return command.call(redis, ...args);
  };

  async function run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      throw new LimitStoreUnavailableError(`redis ${operation} failed: ${error.message}`, {
        cause: error,
      });
    }
  }

  return {
    name: 'redis',
    waitReady(timeoutMs) {
      if (redis.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          redis.off('ready', onReady);
          resolve(false);
        }, timeoutMs);
        timer.unref();
        const onReady = () => {
          clearTimeout(timer);
          resolve(true);
        };
        redis.once('ready', onReady);
      });
    },
    reserveTokens(buckets, amount) {
      return run('reserveTokens', async () => {
        // Scripts without a fixed key count take it as their first argument.
        const reply = toNumbers(
          await call(
            'switchyardReserveTokens',
            buckets.length,
            ...buckets.map((bucket) => bucket.key),
            amount,
            ...bucketArguments(buckets),
          ),
        );
        return {
          allowed: reply[0] === 1,
          buckets: buckets.map((bucket, index) => ({
            key: bucket.key,
            limit: bucket.capacity,
            remaining: reply[1 + index * 3] ?? 0,
            resetMs: reply[2 + index * 3] ?? 0,
            retryAfterMs: reply[3 + index * 3] ?? 0,
          })),
        };
      });
    },
    adjustTokens(buckets, delta) {
      return run('adjustTokens', async () => {
        if (buckets.length === 0 || delta === 0) return;
        await call(
          'switchyardAdjustTokens',
          buckets.length,
          ...buckets.map((bucket) => bucket.key),
          delta,
          ...bucketArguments(buckets),
        );
      });
    },
    holdSpend(counter: SpendCounterSpec, amount: number) {
      return run('holdSpend', async () => {
        const reply = toNumbers(
          await call(
            'switchyardHoldSpend',
            counter.key,
            Math.ceil(amount),
            Math.floor(counter.limitNanoUsd),
            counter.enforce ? 1 : 0,
          ),
        );
        return {
          allowed: reply[0] === 1,
          spentNanoUsd: reply[1] ?? 0,
          heldNanoUsd: reply[2] ?? 0,
          resetMs: reply[3] ?? 0,
        };
      });
    },
    settleSpend(counter, { heldNanoUsd, actualNanoUsd }) {
      return run('settleSpend', async () => {
        const reply = toNumbers(
          await call(
            'switchyardSettleSpend',
            counter.key,
            Math.ceil(heldNanoUsd),
            Math.ceil(actualNanoUsd),
            Math.floor(counter.limitNanoUsd),
            ...counter.thresholdsPerMille,
          ),
        );
        return {
          spentNanoUsd: reply[0] ?? 0,
          resetMs: reply[1] ?? 0,
          crossedPerMille: reply.slice(2),
        };
      });
    },
    close() {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}
