// Builds the response cache from config: the store (memory or Redis), per-alias policies, the
// semantic index and its embedders, and the log lines for store outages and near misses.

import type { Logger } from 'pino';
import type { CacheConfig } from '../config/cache-config-schema.js';
import type { Provider } from '../core/index.js';
import type { ModelCatalog } from '../routing/model-catalog.js';
import type { CacheMode } from './cacheability.js';
import type { CacheStore } from './cache-store.js';
import { subscribeCacheEvents } from './cache-events.js';
import { createMemoryCacheStore } from './memory/memory-cache-store.js';
import { createRedisCacheStore } from './redis/redis-cache-store.js';
import { createAliasEmbedder, createLocalEmbedder, type Embedder } from './semantic/embedder.js';
import { defaultSemanticThreshold } from './semantic/default-threshold.js';
import { SemanticCache } from './semantic/semantic-cache.js';

export interface SemanticPolicy {
  threshold: number;
  guards: boolean;
  embedder: Embedder;
}

export interface CachePolicy {
  mode: CacheMode;
  ttlSeconds: number;
  semantic?: SemanticPolicy;
}

export interface ResponseCache {
  readonly store: CacheStore;
  readonly semantic: SemanticCache;
  policyFor(alias: string): CachePolicy;
  close(): Promise<void>;
}

/** Store errors are logged at most this often (a Redis outage fails every request). */
const storeErrorLogIntervalMs = 10_000;

export function createResponseCache(options: {
  config: CacheConfig;
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, Provider>;
  logger: Logger;
  /** Overrides the configured store (tests, benchmarks). */
  store?: CacheStore;
}): ResponseCache {
  const { config, logger } = options;
  const store =
    options.store ??
    (config.store === 'redis'
      ? createRedisCacheStore({
          ...config.redis,
          maxLogEntries: config.semantic.maxEntries,
        })
      : createMemoryCacheStore({
          maxBytes: config.memory.maxBytes,
          maxLogEntries: config.semantic.maxEntries,
        }));
  const semantic = new SemanticCache({
    store,
    maxEntries: config.semantic.maxEntries,
    syncIntervalMs: config.semantic.syncIntervalMs,
    sync: Object.values(config.aliases).some((settings) => settings.semantic?.enabled === true),
  });
  const local = createLocalEmbedder();
  const embedders = new Map<string, Embedder>();
  const embedderFor = (name: string): Embedder => {
    if (name === 'local') return local;
    let embedder = embedders.get(name);
    if (!embedder) {
      embedder = createAliasEmbedder({
        alias: name,
        catalog: options.catalog,
        providers: options.providers,
        timeoutMs: config.semantic.embedTimeoutMs,
      });
      embedders.set(name, embedder);
    }
    return embedder;
  };
  const policies = new Map<string, CachePolicy>();
  const defaultPolicy: CachePolicy = { mode: config.mode, ttlSeconds: config.ttlSeconds };
  for (const [alias, settings] of Object.entries(config.aliases)) {
    const policy: CachePolicy = {
      mode: settings.mode ?? config.mode,
      ttlSeconds: settings.ttlSeconds ?? config.ttlSeconds,
    };
    if (settings.semantic?.enabled) {
      policy.semantic = {
        threshold:
          settings.semantic.threshold ?? defaultSemanticThreshold(settings.semantic.embedder),
        guards: settings.semantic.guards,
        embedder: embedderFor(settings.semantic.embedder),
      };
    }
    policies.set(alias, policy);
  }

  let lastStoreErrorLogAt = 0;
  const unsubscribe = subscribeCacheEvents((event) => {
    switch (event.type) {
      case 'store-error': {
        const now = Date.now();
        if (now - lastStoreErrorLogAt < storeErrorLogIntervalMs) return;
        lastStoreErrorLogAt = now;
        logger.warn(
          { store: event.store, operation: event.operation, err: event.error.message },
          'cache store failed; requests bypass the cache',
        );
        return;
      }
      case 'store-state':
        logger.info({ store: event.store, state: event.state }, 'cache store state');
        return;
      case 'semantic-near-miss':
        logger.info(
          {
            model: event.alias,
            similarity: Math.round(event.similarity * 1000) / 1000,
            threshold: event.threshold,
            reason: event.reason,
          },
          'semantic cache near miss',
        );
        return;
      case 'semantic-hit':
        logger.info(
          {
            model: event.alias,
            similarity: Math.round(event.similarity * 1000) / 1000,
            threshold: event.threshold,
          },
          'semantic cache hit',
        );
        return;
      case 'embedder-error':
        logger.warn(
          { model: event.alias, err: event.error.message },
          'semantic cache embedder failed',
        );
        return;
    }
  });

  return {
    store,
    semantic,
    policyFor: (alias) => policies.get(alias) ?? defaultPolicy,
    async close() {
      unsubscribe();
      semantic.close();
      await store.close();
    },
  };
}
