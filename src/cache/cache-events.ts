// Cache observability by events: store failures and state changes, and semantic near misses.
// Metrics and logs subscribe; the cache imports no exporter.

import diagnosticsChannel from 'node:diagnostics_channel';

export type CacheEvent =
  | {
      type: 'store-error';
      store: 'memory' | 'redis';
      operation: string;
      error: Error;
    }
  | { type: 'store-state'; store: 'memory' | 'redis'; state: 'available' | 'unavailable' }
  | {
      type: 'semantic-near-miss';
      alias: string;
      similarity: number;
      threshold: number;
      /** Why a candidate above the threshold was refused ('threshold' when it was below it). */
      reason: string;
    }
  | { type: 'semantic-hit'; alias: string; similarity: number; threshold: number }
  | { type: 'embedder-error'; alias: string; error: Error };

export const cacheEventChannel = diagnosticsChannel.channel('switchyard:cache:event');

export function publishCacheEvent(event: CacheEvent): void {
  if (cacheEventChannel.hasSubscribers) cacheEventChannel.publish(event);
}

export function subscribeCacheEvents(listener: (event: CacheEvent) => void): () => void {
  const handler = (message: unknown) => listener(message as CacheEvent);
  cacheEventChannel.subscribe(handler);
  return () => cacheEventChannel.unsubscribe(handler);
}
