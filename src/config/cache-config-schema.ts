// The `cache` section of the config: exact + semantic response cache (see docs/caching.md).

import { z } from 'zod';

const cacheModes = ['deterministic', 'always', 'off'] as const;

const semanticSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Cosine similarity a hit needs (0..1). Default: 0.85 for 'local', 0.95 for an alias. */
  threshold: z.number().min(0).max(1).optional(),
  /** 'local' (no network, no download) or the name of an embeddings alias under `models`. */
  embedder: z.string().min(1).default('local'),
  /** Token-level checks on negation, numbers, entities and opposites. */
  guards: z.boolean().default(true),
});

const aliasCacheSchema = z.strictObject({
  mode: z.enum(cacheModes).optional(),
  ttlSeconds: z.number().int().positive().optional(),
  semantic: semanticSchema.optional(),
});

const memoryStoreSchema = z.strictObject({
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
});

const redisStoreSchema = z.strictObject({
  url: z.string().min(1).default('redis://127.0.0.1:6379'),
  keyPrefix: z.string().default('switchyard:cache:'),
  commandTimeoutMs: z.number().int().positive().default(250),
  connectTimeoutMs: z.number().int().positive().default(1_000),
  compressAboveBytes: z.number().int().min(0).default(1_024),
});

const semanticIndexSchema = z.strictObject({
  maxEntries: z.number().int().positive().default(50_000),
  syncIntervalMs: z.number().int().positive().default(1_000),
  embedTimeoutMs: z.number().int().positive().default(2_000),
});

export const cacheConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  store: z.enum(['memory', 'redis']).default('memory'),
  mode: z.enum(cacheModes).default('deterministic'),
  ttlSeconds: z.number().int().positive().default(86_400),
  memory: memoryStoreSchema.default(memoryStoreSchema.parse({})),
  redis: redisStoreSchema.default(redisStoreSchema.parse({})),
  semantic: semanticIndexSchema.default(semanticIndexSchema.parse({})),
  aliases: z.record(z.string().min(1), aliasCacheSchema).default({}),
});

export type CacheConfig = z.output<typeof cacheConfigSchema>;
export type AliasCacheConfig = z.output<typeof aliasCacheSchema>;

/** Cross-references: every alias named under `cache.aliases` and every embedder alias exists. */
export function checkCacheReferences(
  cache: CacheConfig | undefined,
  aliases: string[],
  addIssue: (path: Array<string | number>, message: string) => void,
): void {
  if (!cache) return;
  const known = new Set(aliases);
  for (const [alias, settings] of Object.entries(cache.aliases)) {
    if (!known.has(alias)) {
      addIssue(['cache', 'aliases', alias], `unknown model alias ${JSON.stringify(alias)}`);
    }
    const embedder = settings.semantic?.embedder;
    if (embedder !== undefined && embedder !== 'local' && !known.has(embedder)) {
      addIssue(
        ['cache', 'aliases', alias, 'semantic', 'embedder'],
        `unknown embeddings alias ${JSON.stringify(embedder)} (use 'local' or an alias under models)`,
      );
    }
  }
}
