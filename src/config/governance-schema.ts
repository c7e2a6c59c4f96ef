// Config for virtual keys, the admin API, token rate limits, daily USD caps, alerts and the Redis
// they share (docs/governance.md). Every key has a default so a zero-config start stays keyless.

import { z } from 'zod';

export const adminSchema = z.strictObject({
  /** Bearer key of /admin/* (e.g. ${SWITCHYARD_ADMIN_KEY}); absent → the admin API is off. */
  apiKey: z.string().min(16, 'the admin key needs at least 16 characters').optional(),
});

const staticKeySchema = z
  .strictObject({
    /** The secret clients send; use ${ENV} rather than writing it in the file. */
    key: z.string().min(16, 'a key needs at least 16 characters'),
    name: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    team: z.string().min(1).optional(),
    tier: z.string().min(1).optional(),
    models: z.array(z.string().min(1)).min(1).optional(),
    region: z.string().min(1).optional(),
    /** Residency of the key's requests; `strict` never leaves `region`, fallbacks included. */
    residency: z.enum(['off', 'prefer', 'strict']).optional(),
    dailyUsd: z.number().positive().optional(),
  })
  .refine((key) => key.user !== undefined || key.team !== undefined, {
    message: 'a key needs a user or a team',
  });

export const keysSchema = z.strictObject({
  /** Absent: required when static keys or admin.apiKey are configured, else keyless. */
  required: z.boolean().optional(),
  /** How long a replica trusts a key it looked up: the bound on revocation delay. */
  cacheTtlMs: z.number().int().min(0).default(5_000),
  static: z.array(staticKeySchema).default([]),
});

const bucketSchema = z.strictObject({
  tokensPerMinute: z.number().positive(),
  /** Bucket size (the largest burst); default: one minute's tokens. */
  burstTokens: z.number().positive().optional(),
});

const tierSchema = z.strictObject({
  tokensPerMinute: z.number().positive(),
  burstTokens: z.number().positive().optional(),
  /** Extra buckets per model alias, on top of the tier's own. */
  models: z.record(z.string().min(1), bucketSchema).default({}),
});

export const limitsSchema = z.strictObject({
  /** When the limit store is unreachable: admit (open, default) or refuse with 503 (closed). */
  failureMode: z.enum(['open', 'closed']).default('open'),
  /** The tier of requests whose key names none (and of keyless requests). */
  defaultTier: z.string().min(1).default('default'),
  /** Output tokens reserved when a request sets no max_tokens. */
  defaultMaxOutputTokens: z.number().int().positive().default(1_024),
  tiers: z.record(z.string().min(1), tierSchema).default({}),
  /** Per-user limits; they replace the tier's for that user. */
  users: z.record(z.string().min(1), tierSchema).default({}),
});

export const capsSchema = z.strictObject({
  /** When the limit store is unreachable: refuse with 503 (closed, default) or admit (open). */
  failureMode: z.enum(['open', 'closed']).default('closed'),
  /** Refuse even zero-cost requests (self-hosted, cached) once a cap is spent. */
  blockZeroCost: z.boolean().default(false),
  perUserDailyUsd: z.number().positive().optional(),
  perKeyDailyUsd: z.number().positive().optional(),
  perFeatureDailyUsd: z.number().positive().optional(),
  users: z.record(z.string().min(1), z.number().positive()).default({}),
  features: z.record(z.string().min(1), z.number().positive()).default({}),
});

export const alertsSchema = z.strictObject({
  /** Fractions of each cap; each fires once per day. */
  thresholds: z.array(z.number().gt(0).max(1)).default([0.5, 0.8, 1]),
  webhookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  webhookTimeoutMs: z.number().int().positive().default(5_000),
  webhookMaxAttempts: z.number().int().min(1).max(10).default(4),
  /** Alert (never refuse) when the whole gateway's spend of the day crosses the thresholds of this. */
  globalDailyUsd: z.number().positive().optional(),
});

export const redisSchema = z.strictObject({
  /** redis://host:port — absent: limits are kept in process (per replica, not global). */
  url: z.string().min(1).optional(),
  keyPrefix: z.string().min(1).default('switchyard'),
  commandTimeoutMs: z.number().int().positive().default(250),
  connectTimeoutMs: z.number().int().positive().default(2_000),
});

export type AdminConfig = z.output<typeof adminSchema>;
export type KeysConfig = z.output<typeof keysSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type CapsConfig = z.output<typeof capsSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type RedisConfig = z.output<typeof redisSchema>;

/** Cross-references: a static key's tier and models must exist. */
export function checkGovernanceReferences(
  config: { keys: KeysConfig; limits: LimitsConfig; models: Record<string, unknown> },
  addIssue: (path: Array<string | number>, message: string) => void,
): void {
  const tiers = Object.keys(config.limits.tiers);
  config.keys.static.forEach((key, index) => {
    if (key.tier !== undefined && tiers.length > 0 && !tiers.includes(key.tier)) {
      addIssue(
        ['keys', 'static', index, 'tier'],
        `unknown tier ${JSON.stringify(key.tier)} (known: ${tiers.join(', ')})`,
      );
    }
    for (const model of key.models ?? []) {
      if (!(model in config.models)) {
        addIssue(
          ['keys', 'static', index, 'models'],
          `unknown model alias ${JSON.stringify(model)} (known: ${Object.keys(config.models).join(', ') || 'none'})`,
        );
      }
    }
  });
}
