// Redis CacheStore over ioredis: binary values (deflate-raw above a size), a timeout on every
// command, and no offline queue, so a Redis outage fails fast and the cache is bypassed.

import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { createFailFastRedis } from '../../lib/create-fail-fast-redis.js';
import type { CacheLogPage, CacheStore } from '../cache-store.js';
import { publishCacheEvent } from '../cache-events.js';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** First byte of every stored value: how the rest is encoded. */
const rawMarker = 0;
const deflateMarker = 1;

export interface RedisCacheStoreOptions {
  url: string;
  /** Prepended to every key, e.g. 'switchyard:cache:'. */
  keyPrefix: string;
  /** Every command rejects after this long (and the request goes on without the cache). */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Values larger than this are compressed with deflate-raw. */
  compressAboveBytes: number;
  /** Approximate bound of the shared entry log (XADD MAXLEN ~). */
  maxLogEntries: number;
}

export async function encodeStoredValue(value: Buffer, compressAboveBytes: number) {
  if (value.byteLength > compressAboveBytes) {
    const compressed = await deflate(value);
    if (compressed.byteLength < value.byteLength) {
      return Buffer.concat([Buffer.of(deflateMarker), compressed]);
    }
  }
  return Buffer.concat([Buffer.of(rawMarker), value]);
}

export async function decodeStoredValue(stored: Buffer): Promise<Buffer> {
  const marker = stored[0];
  const body = stored.subarray(1);
  if (marker === rawMarker) return body;
  if (marker === deflateMarker) return inflate(body);
  throw new Error(`unknown cache value encoding ${String(marker)}`);
}

export function createRedisCacheStore(options: RedisCacheStoreOptions): CacheStore {
  const redis = createFailFastRedis({
    url: options.url,
    keyPrefix: options.keyPrefix,
    commandTimeoutMs: options.commandTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    onAvailability: (state) =>
      publishCacheEvent({
        type: 'store-state',
        store: 'redis',
        state: state ? 'available' : 'unavailable',
      }),
  });

  async function run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      publishCacheEvent({ type: 'store-error', store: 'redis', operation, error });
      throw error;
    }
  }

  const logKey = 'semantic-log';

  return {
    name: 'redis',
    shared: true,
    get(key) {
      return run('get', async () => {
        const stored = await redis.getBuffer(key);
        if (stored === null) return undefined;
        try {
          return await decodeStoredValue(stored);
        } catch {
          // A value this version cannot read is a miss (the next answer overwrites it), not an
          // outage that would bypass the cache for this key until it expires.
          return undefined;
        }
      });
    },
    set(key, value, ttlSeconds) {
      return run('set', async () => {
        const stored = await encodeStoredValue(value, options.compressAboveBytes);
        await redis.set(key, stored, 'EX', Math.max(1, Math.round(ttlSeconds)));
      });
    },
    delete(key) {
      return run('delete', async () => {
        await redis.del(key);
      });
    },
    appendLog(entry) {
      return run('appendLog', async () => {
        const stored = await encodeStoredValue(entry, options.compressAboveBytes);
        await redis.xadd(logKey, 'MAXLEN', '~', String(options.maxLogEntries), '*', 'e', stored);
      });
    },
    readLog(cursor, limit): Promise<CacheLogPage> {
      return run('readLog', async () => {
        const start = cursor === undefined ? '-' : `(${cursor}`;
        const rows = (await redis.xrangeBuffer(logKey, start, '+', 'COUNT', limit)) as Array<
          [Buffer, Buffer[]]
        >;
        const entries: Buffer[] = [];
        let last = cursor ?? '0-0';
        for (const [id, fields] of rows) {
          last = id.toString();
          const value = fields[1];
          if (value) entries.push(await decodeStoredValue(value));
        }
        return { cursor: last, entries };
      });
    },
    async close() {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}
