// In-process CacheStore: a byte-bounded LRU for values and a bounded ring for the entry log.

import type { CacheLogPage, CacheStore } from '../cache-store.js';
import { ByteBoundedLru } from './byte-bounded-lru.js';

export interface MemoryCacheStoreOptions {
  maxBytes: number;
  /** How many log entries are kept (the oldest fall off). */
  maxLogEntries?: number;
  now?: () => number;
}

export function createMemoryCacheStore(options: MemoryCacheStoreOptions): CacheStore & {
  readonly bytes: number;
  readonly size: number;
} {
  const lru = new ByteBoundedLru({
    maxBytes: options.maxBytes,
    ...(options.now ? { now: options.now } : {}),
  });
  const maxLogEntries = options.maxLogEntries ?? 100_000;
  const log: Buffer[] = [];
  // Sequence number of log[0]; cursors are absolute sequence numbers, so trimming keeps them valid.
  let firstSequence = 0;
  return {
    name: 'memory',
    shared: false,
    get bytes() {
      return lru.bytes;
    },
    get size() {
      return lru.size;
    },
    get(key) {
      return Promise.resolve(lru.get(key));
    },
    set(key, value, ttlSeconds) {
      lru.set(key, value, ttlSeconds * 1000);
      return Promise.resolve();
    },
    delete(key) {
      lru.delete(key);
      return Promise.resolve();
    },
    appendLog(entry) {
      log.push(entry);
      if (log.length > maxLogEntries) {
        const drop = log.length - maxLogEntries;
        log.splice(0, drop);
        firstSequence += drop;
      }
      return Promise.resolve();
    },
    readLog(cursor, limit): Promise<CacheLogPage> {
      const after = cursor === undefined ? firstSequence : Math.max(Number(cursor), firstSequence);
      const start = after - firstSequence;
      const entries = log.slice(start, start + limit);
      return Promise.resolve({ cursor: String(after + entries.length), entries });
    },
    close() {
      lru.clear();
      log.length = 0;
      return Promise.resolve();
    },
  };
}
