// Config of the fallback chain: request deadline, retries, circuit breakers, per-alias overrides
// (docs/resilience.md, keys in docs/config.md).

import { z } from 'zod';

// Failure kinds a retry policy may name (UpstreamErrorKind minus the final ones).
const retryableKinds = [
  'timeout',
  'ttft_timeout',
  'idle_timeout',
  'connect_timeout',
  'connect',
  'reset',
  'rate_limited',
  'quota_exceeded',
  'overloaded',
  'server',
  'truncated_stream',
  'malformed',
] as const;

const retryCount = z.number().int().min(0).max(10);

/** Fallback chain, retries, request deadline and circuit breakers (docs/resilience.md). */
export const resilienceSchema = z.strictObject({
  requestTimeoutMs: z.number().int().positive().default(600_000),
  retries: z
    .strictObject({
      maxRetries: retryCount.default(1),
      on: z
        .array(z.enum(retryableKinds))
        .default(['rate_limited', 'overloaded', 'connect', 'connect_timeout']),
      baseDelayMs: z.number().int().min(0).default(250),
      maxDelayMs: z.number().int().min(0).default(4_000),
      maxRetryAfterMs: z.number().int().min(0).default(10_000),
    })
    .prefault({}),
  breaker: z
    .strictObject({
      enabled: z.boolean().default(true),
      consecutiveFailures: z.number().int().positive().default(5),
      failureRate: z
        .strictObject({
          threshold: z.number().gt(0).max(1),
          windowMs: z.number().int().positive().default(60_000),
          minimumCalls: z.number().int().positive().default(20),
        })
        .optional(),
      cooldownMs: z.number().int().positive().default(30_000),
      maxCooldownMs: z.number().int().positive().default(300_000),
    })
    .prefault({}),
  /**
   * Per model alias (the `models.<alias>` value is a list, so alias-level settings live here):
   * retries of its deployments (below a deployment's or provider's own `retries`) and its own
   * request deadline.
   */
  aliases: z
    .record(
      z.string().min(1),
      z.strictObject({
        retries: retryCount.optional(),
        requestTimeoutMs: z.number().int().positive().optional(),
      }),
    )
    .default({}),
});

export type ResilienceConfig = z.output<typeof resilienceSchema>;

/** Every `resilience.aliases` key must name a model alias or a router alias. */
export function checkResilienceReferences(
  config: {
    resilience: ResilienceConfig;
    models: Record<string, unknown>;
    routerAliases: string[];
  },
  report: (path: Array<string | number>, message: string) => void,
): void {
  const known = [...Object.keys(config.models), ...config.routerAliases];
  for (const alias of Object.keys(config.resilience.aliases)) {
    if (!known.includes(alias)) {
      report(
        ['resilience', 'aliases', alias],
        `unknown model alias ${JSON.stringify(alias)} (known: ${known.join(', ') || 'none'})`,
      );
    }
  }
}
