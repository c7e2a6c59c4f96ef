// Config for routing: router aliases (rules + complexity classifier → tier → alias), residency, and
// self-hosted replica pools on openai-compatible providers (docs/routing.md).

import { z } from 'zod';

export const complexityTiers = ['trivial', 'moderate', 'hard'] as const;
const tierSchema = z.enum(complexityTiers);
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const ruleSchema = z
  .strictObject({
    /** Shown in x-switchyard-route; default `rule[<index>]`. */
    name: z.string().min(1).optional(),
    /** Every condition given must hold. */
    when: z.strictObject({
      feature: oneOrMany.optional(),
      keyTier: oneOrMany.optional(),
      user: oneOrMany.optional(),
      region: oneOrMany.optional(),
      /** Body `metadata` (and x-switchyard-* metadata) values, each one of the listed strings. */
      metadata: z.record(z.string().min(1), oneOrMany).optional(),
      tools: z.boolean().optional(),
      images: z.boolean().optional(),
      /** Estimated prompt tokens (characters / 4) at least / at most this. */
      minInputTokens: z.number().int().min(0).optional(),
      maxInputTokens: z.number().int().min(0).optional(),
    }),
    tier: tierSchema.optional(),
    model: z.string().min(1).optional(),
  })
  .refine((rule) => (rule.tier === undefined) !== (rule.model === undefined), {
    message: 'a rule names exactly one of `tier` or `model`',
  });

const embedderSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local') }),
  z.strictObject({
    type: z.literal('model'),
    model: z.string().min(1),
    timeoutMs: z.number().int().positive().default(2_000),
  }),
]);

const classifierSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('features') }),
  z.strictObject({
    type: z.literal('knn'),
    /** JSONL file of {"prompt": "...", "tier": "trivial|moderate|hard"} (relative to the cwd). */
    examples: z.string().min(1),
    k: z.number().int().positive().max(101).default(7),
    embedder: embedderSchema.default({ type: 'local' }),
  }),
  z.strictObject({
    type: z.literal('llm-judge'),
    /** A cheap alias asked to grade difficulty. */
    model: z.string().min(1),
    /** After this the built-in feature classifier decides. */
    timeoutMs: z.number().int().positive().default(1_500),
  }),
]);

export const routerSchema = z.strictObject({
  /** The model alias each tier routes to (its deployment list is the fallback chain). */
  tiers: z.strictObject({
    trivial: z.string().min(1),
    moderate: z.string().min(1),
    hard: z.string().min(1),
  }),
  rules: z.array(ruleSchema).default([]),
  classifier: classifierSchema.default({ type: 'features' }),
  /** The tier when the classifier is less confident than `minConfidence`. */
  defaultTier: tierSchema.default('moderate'),
  minConfidence: z.number().min(0).max(1).default(0.4),
});

export const residencyPolicies = ['off', 'prefer', 'strict'] as const;

export const routingSchema = z.strictObject({
  /** strict: only deployments in the request's region, fallbacks included; prefer: those first. */
  residency: z.enum(residencyPolicies).default('off'),
  /** Router aliases (e.g. `auto`): names a client may send as `model`. */
  routers: z.record(z.string().min(1), routerSchema).default({}),
});

/** Self-hosted replica pool of an openai-compatible provider (`providers.<name>.pool`). */
export const replicaPoolSchema = z.strictObject({
  affinity: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Characters per prefix block (16 tokens × ~4 characters). */
      blockChars: z.number().int().min(8).default(64),
      /** Blocks hashed at most (longer prompts: the first blocks only). */
      maxBlocks: z.number().int().positive().default(256),
      /** Block hashes remembered (LRU). */
      indexSize: z.number().int().positive().default(200_000),
      /** Bounded load: the affine replica is left when its load exceeds loadFactor × the mean … */
      loadFactor: z.number().min(1).default(1.25),
      /** … and the least-loaded replica's load by at least this many requests. */
      loadSlack: z.number().int().min(0).default(4),
    })
    .prefault({}),
  health: z
    .strictObject({
      enabled: z.boolean().default(true),
      path: z.string().startsWith('/').default('/health'),
      intervalMs: z.number().int().positive().default(5_000),
      timeoutMs: z.number().int().positive().default(2_000),
      /** Consecutive failed checks (or connection failures of requests) that eject a replica. */
      unhealthyThreshold: z.number().int().positive().default(2),
      /** Consecutive passed checks that re-admit it. */
      healthyThreshold: z.number().int().positive().default(1),
    })
    .prefault({}),
  /** GET /v1/models on each replica (with each health check) to learn its LoRA adapters. */
  discoverModels: z.boolean().default(true),
  metrics: z
    .strictObject({
      /** Scrape each replica's /metrics (vllm:num_requests_waiting, kv_cache_usage_perc, …). */
      enabled: z.boolean().default(false),
      path: z.string().startsWith('/').default('/metrics'),
      intervalMs: z.number().int().positive().default(5_000),
    })
    .prefault({}),
  /** Send vLLM `cache_salt` = a hash of the tenant, so tenants never share prefix-cache blocks. */
  cacheSalt: z.boolean().default(true),
});

export type RoutingConfig = z.output<typeof routingSchema>;
export type RouterConfig = z.output<typeof routerSchema>;
export type RouterRuleConfig = z.output<typeof ruleSchema>;
export type ClassifierConfig = z.output<typeof classifierSchema>;
export type ReplicaPoolConfig = z.output<typeof replicaPoolSchema>;

/** A provider with `replicas` and no `baseUrl` takes the first replica as its baseUrl. */
export function fillBaseUrlFromReplicas(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const provider = input as Record<string, unknown>;
  if (provider.baseUrl !== undefined || !Array.isArray(provider.replicas)) return input;
  const first: unknown = provider.replicas[0];
  return typeof first === 'string' ? { ...provider, baseUrl: first } : input;
}

interface RoutingReferences {
  providers: Record<string, { type: string; replicas?: string[] | undefined; pool?: unknown }>;
  models: Record<string, unknown>;
  routing: RoutingConfig;
}

/** Router aliases must not shadow model aliases, and every alias they name must exist. */
export function checkRoutingReferences(
  config: RoutingReferences,
  addIssue: (path: Array<string | number>, message: string) => void,
): void {
  const aliases = Object.keys(config.models);
  const known = aliases.length ? aliases.join(', ') : 'none configured under models';
  const checkAlias = (path: Array<string | number>, alias: string) => {
    if (!(alias in config.models))
      addIssue(path, `unknown model alias ${JSON.stringify(alias)} (known: ${known})`);
  };
  for (const [name, router] of Object.entries(config.routing.routers)) {
    const base = ['routing', 'routers', name];
    if (name in config.models) {
      addIssue(
        base,
        `router alias ${JSON.stringify(name)} is also a model alias; pick another name`,
      );
    }
    for (const tier of complexityTiers) checkAlias([...base, 'tiers', tier], router.tiers[tier]);
    router.rules.forEach((rule, index) => {
      if (rule.model !== undefined) checkAlias([...base, 'rules', index, 'model'], rule.model);
    });
    if (router.classifier.type === 'llm-judge') {
      checkAlias([...base, 'classifier', 'model'], router.classifier.model);
    }
    if (router.classifier.type === 'knn' && router.classifier.embedder.type === 'model') {
      checkAlias([...base, 'classifier', 'embedder', 'model'], router.classifier.embedder.model);
    }
  }
  for (const [name, provider] of Object.entries(config.providers)) {
    if (
      (provider.replicas !== undefined || provider.pool !== undefined) &&
      provider.type !== 'openai-compatible'
    ) {
      addIssue(['providers', name, 'replicas'], 'replica pools need type: openai-compatible');
    }
  }
}
