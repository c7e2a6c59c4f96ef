// The configuration schema (zod): every key, its default, and the cross-references it must satisfy.

import { z } from 'zod';
import { anthropicProviderSchema } from './anthropic-schema.js';

export const providerTypes = ['openai', 'openai-compatible', 'anthropic'] as const;

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
  /** type anthropic: API version, betas, default max_tokens, parameter policy (docs/anthropic.md). */
  anthropic: anthropicProviderSchema.optional(),
});

const deploymentSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  region: z.string().min(1).optional(),
  timeouts: timeoutsSchema.optional(),
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
    providers: z.record(z.string().min(1), providerSchema).default({}),
    models: z
      .record(
        z.string().min(1),
        z.array(deploymentSchema).min(1, 'expected at least one deployment'),
      )
      .default({}),
    timeouts: timeoutsSchema.default({}),
  })
  .superRefine((config, context) => {
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
