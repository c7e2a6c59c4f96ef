// The configuration schema (zod): every key, its default, and the cross-references it must satisfy.

import { z } from 'zod';
import { anthropicProviderSchema } from './anthropic-schema.js';
import {
  bedrockProviderFields,
  checkBedrockProviders,
  fillBedrockDefaults,
} from './bedrock-provider-config.js';
import { cacheConfigSchema, checkCacheReferences } from './cache-config-schema.js';
import {
  checkRoutingReferences,
  fillBaseUrlFromReplicas,
  replicaPoolSchema,
  routingSchema,
} from './routing-schema.js';
import {
  databaseSchema,
  metricsSchema,
  otelSchema,
  pricingSchema,
  tracesSchema,
} from './observability-schema.js';
import {
  adminSchema,
  alertsSchema,
  capsSchema,
  checkGovernanceReferences,
  keysSchema,
  limitsSchema,
  redisSchema,
} from './governance-schema.js';
import { dashboardSchema, economicsSchema } from './dashboard-schema.js';
import { checkResilienceReferences, resilienceSchema } from './resilience-schema.js';

export const providerTypes = ['openai', 'openai-compatible', 'anthropic', 'bedrock'] as const;

const timeoutsSchema = z.strictObject({
  connectMs: z.number().int().positive().optional(),
  firstByteMs: z.number().int().positive().optional(),
  idleMs: z.number().int().positive().optional(),
  totalMs: z.number().int().positive().optional(),
});

const providerSchema = z.strictObject({
  type: z.enum(providerTypes, {
    error: (issue) =>
      `unknown provider type ${JSON.stringify(issue.input)} (known: ${providerTypes.join(', ')})`,
  }),
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  apiKey: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  maxConnections: z.number().int().positive().default(256),
  timeouts: timeoutsSchema.optional(),
  /** Retries on the same deployment for this provider's deployments (resilience.retries.maxRetries). */
  retries: z.number().int().min(0).max(10).optional(),
  /** openai-compatible: a self-hosted pool of replica URLs (baseUrl defaults to the first). */
  replicas: z
    .array(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }))
    .min(1)
    .max(31)
    .optional(),
  /** Balancing, health checks and adapters of the replica pool (docs/routing.md). */
  pool: replicaPoolSchema.optional(),
  /** type anthropic: API version, betas, default max_tokens, parameter policy (docs/anthropic.md). */
  anthropic: anthropicProviderSchema.optional(),
  /** type bedrock: SigV4 credentials and usage semantics (docs/bedrock.md). */
  ...bedrockProviderFields,
});

const deploymentSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  region: z.string().min(1).optional(),
  timeouts: timeoutsSchema.optional(),
  /** Retries on this deployment before the next one (overrides provider and global). */
  retries: z.number().int().min(0).max(10).optional(),
});

const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(4000),
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  drainTimeoutMs: z.number().int().positive().default(30_000),
});

const loggingSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const configSchema = z
  .strictObject({
    server: serverSchema.default(serverSchema.parse({})),
    logging: loggingSchema.default(loggingSchema.parse({})),
    providers: z
      .record(
        z.string().min(1),
        z.preprocess(
          (value) => fillBedrockDefaults(fillBaseUrlFromReplicas(value)),
          providerSchema,
        ),
      )
      .default({}),
    models: z
      .record(
        z.string().min(1),
        z.array(deploymentSchema).min(1, 'expected at least one deployment'),
      )
      .default({}),
    timeouts: timeoutsSchema.default({}),
    database: databaseSchema.prefault({}),
    traces: tracesSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    otel: otelSchema.prefault({}),
    pricing: pricingSchema.prefault({}),
    resilience: resilienceSchema.prefault({}),
    /** Absent: no response cache. `cache: {}` turns on the in-process exact cache. */
    cache: cacheConfigSchema.optional(),
    /** Virtual keys, admin API, token rate limits, USD caps, alerts (docs/governance.md). */
    admin: adminSchema.prefault({}),
    keys: keysSchema.prefault({}),
    redis: redisSchema.prefault({}),
    limits: limitsSchema.prefault({}),
    caps: capsSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
    routing: routingSchema.prefault({}),
    /** The /ui dashboard and its /admin/stats API (docs/dashboard.md). */
    dashboard: dashboardSchema.prefault({}),
    /** `switchyard economics` presets and defaults (docs/economics.md). */
    economics: economicsSchema.prefault({}),
  })
  .superRefine((config, context) => {
    checkGovernanceReferences(config, (path, message) =>
      context.addIssue({ code: 'custom', path, message }),
    );
    checkCacheReferences(config.cache, Object.keys(config.models), (path, message) =>
      context.addIssue({ code: 'custom', path, message }),
    );
    checkRoutingReferences(config, (path, message) =>
      context.addIssue({ code: 'custom', path, message }),
    );
    checkBedrockProviders(config.providers, (path, message) =>
      context.addIssue({ code: 'custom', path, message }),
    );
    checkResilienceReferences(
      { ...config, routerAliases: Object.keys(config.routing.routers) },
      (path, message) => context.addIssue({ code: 'custom', path, message }),
    );
    const known = Object.keys(config.providers);
    for (const [alias, deployments] of Object.entries(config.models)) {
      deployments.forEach((deployment, index) => {
        if (!(deployment.provider in config.providers)) {
          context.addIssue({
            code: 'custom',
            path: ['models', alias, index, 'provider'],
            message: `unknown provider ${JSON.stringify(deployment.provider)} (known: ${
              known.length ? known.join(', ') : 'none configured under providers'
            })`,
          });
        }
      });
    }
  });

export type SwitchyardConfig = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type DeploymentConfig = z.output<typeof deploymentSchema>;
export type TimeoutsConfig = z.output<typeof timeoutsSchema>;
