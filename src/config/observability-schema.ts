// Config for the trace store, metrics, OpenTelemetry and pricing (docs/observability.md). Every key
// has a default so a zero-config start traces into an embedded PGlite database.

import { z } from 'zod';

const modelPriceSchema = z.strictObject({
  inputPerMTok: z.number().min(0),
  cachedInputPerMTok: z.number().min(0).optional(),
  cacheWritePerMTok: z.number().min(0).optional(),
  outputPerMTok: z.number().min(0),
});

const selfHostedPriceSchema = z.strictObject({
  gpuHourUsd: z.number().positive(),
  tokensPerSecond: z.number().positive(),
  gpus: z.number().int().positive().optional(),
});

export const databaseSchema = z.strictObject({
  /** postgres://… ; absent → embedded PGlite in `pgliteDir`. */
  url: z.string().min(1).optional(),
  pgliteDir: z.string().min(1).default('.switchyard/pglite'),
  maxConnections: z.number().int().positive().default(10),
  statementTimeoutMs: z.number().int().positive().default(10_000),
  /**
   * Embedded PGlite's shared_buffers, in MB (PostgreSQL's own default is 128). 32 keeps ~130 MB
   * less RSS per database; with time-ordered request ids, trace writes measured no slower up to
   * 1.5M rows (BENCHMARKS.md, sixth session).
   */
  pgliteSharedBuffersMb: z.number().int().min(1).max(4_096).default(32),
});

export const tracesSchema = z.strictObject({
  enabled: z.boolean().default(true),
  flushIntervalMs: z.number().int().positive().default(1_000),
  /**
   * Rows per statement; absent → 2,000 on embedded PGlite, 500 on PostgreSQL (traceBatchSize). On
   * PGlite a statement's fixed cost and its rollup triggers' upserts (one per group of the batch)
   * run in WASM: ~60 µs a row in 500-row batches of varied rows, ~42 in 2,000-row ones
   * (BENCHMARKS.md, tenth session).
   */
  batchSize: z.number().int().positive().max(2_000).optional(),
  /** First retry delay after the database failed (doubles up to 30 s). */
  retryDelayMs: z.number().int().positive().default(1_000),
  /** Rows held in memory; beyond it they go straight to the spool file. */
  queueLimit: z.number().int().positive().default(50_000),
  spoolDir: z.string().min(1).default('.switchyard/spool'),
  /** Bound of the spool on disk; rows beyond it are dropped (and counted). */
  spoolMaxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024 * 1024),
  /** Prompt and response text in the trace row: off unless opted in, each capped. */
  content: z
    .strictObject({
      enabled: z.boolean().default(false),
      maxBytes: z.number().int().positive().default(8_192),
    })
    .prefault({}),
});

export const metricsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  path: z.string().startsWith('/').default('/metrics'),
});

export const otelSchema = z.strictObject({
  /** OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. Absent → no spans, no cost. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  serviceName: z.string().min(1).default('switchyard'),
  /**
   * Also hand the spans to @opentelemetry/api's global tracer provider (a host-registered SDK),
   * parented by its global propagator.
   */
  globalTracer: z.boolean().default(false),
  /** Fraction of requests traced (0…1). */
  sampleRatio: z.number().min(0).max(1).default(1),
});

export const pricingSchema = z.strictObject({
  /** USD per 1M tokens, keyed by upstream model name or deployment id (`provider/model`). */
  models: z.record(z.string().min(1), modelPriceSchema).default({}),
  /** GPU-hour pricing for self-hosted deployments, keyed by provider name or deployment id. */
  selfHosted: z.record(z.string().min(1), selfHostedPriceSchema).default({}),
});

export type DatabaseConfig = z.output<typeof databaseSchema>;
export type TracesConfig = z.output<typeof tracesSchema>;
export type MetricsConfig = z.output<typeof metricsSchema>;
export type OtelConfig = z.output<typeof otelSchema>;
export type PricingConfig = z.output<typeof pricingSchema>;
