// An ioredis client that never queues behind a dead Redis: every command fails at once while
// disconnected (or after its timeout), reconnection goes on in the background, and availability
// changes are reported once per change. Shared by the Redis cache and limit stores.

import { Redis } from 'ioredis';

export interface FailFastRedisOptions {
  url: string;
  keyPrefix?: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Called when Redis becomes available or unavailable (not on every failed reconnect). */
  onAvailability: (available: boolean) => void;
}

export function createFailFastRedis(options: FailFastRedisOptions): Redis {
  const redis = new Redis(options.url, {
    ...(options.keyPrefix !== undefined ? { keyPrefix: options.keyPrefix } : {}),
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    // Fail at once while disconnected instead of queueing requests behind a dead Redis.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting in the background, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
  let available: boolean | undefined;
  const setAvailable = (state: boolean) => {
    if (available === state) return;
    available = state;
    options.onAvailability(state);
  };
  redis.on('ready', () => setAvailable(true));
  // ioredis emits 'error' for every failed reconnect; an unhandled 'error' event would crash.
  redis.on('error', () => setAvailable(false));
  redis.on('end', () => setAvailable(false));
  return redis;
}
