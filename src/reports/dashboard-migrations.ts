// The dashboard's own rollups (migration 202), small enough that the page stays fast at millions of
// trace rows: spend and counts per UTC hour × feature × model × provider, spend per UTC day × user
// and × key, and latency histograms per UTC day × model. A statement-level trigger on llm_traces
// feeds them from each inserted batch (the trace writer's multi-row INSERT, or its COPY on PGlite:
// one aggregation per batch, off the response path; replayed duplicates are skipped by the INSERT a
// refused COPY falls back to, so they never reach the trigger); the migration backfills the rows
// already there. Same SQL on PostgreSQL and PGlite.

import type { Migration } from '../trace-store/database.js';
import { spendAlertMigrations } from './spend-alerts.js';

/** Histogram bucket of a latency: floor(ln(ms) × 20), i.e. buckets ~5 % wide. */
export const latencyBucketsPerE = 20;

const hitStatuses = `('hit', 'semantic', 'exact')`;

/** What each rollup table adds up on a key it already holds (both forms below). */
const hourlyConflict = `ON CONFLICT (hour, feature, model, provider) DO UPDATE SET
  requests = h.requests + excluded.requests, errors = h.errors + excluded.errors,
  fallbacks = h.fallbacks + excluded.fallbacks, cache_hits = h.cache_hits + excluded.cache_hits,
  input_tokens = h.input_tokens + excluded.input_tokens, output_tokens = h.output_tokens + excluded.output_tokens,
  cost_usd = h.cost_usd + excluded.cost_usd, cache_saved_usd = h.cache_saved_usd + excluded.cache_saved_usd,
  uncached_requests = h.uncached_requests + excluded.uncached_requests,
  uncached_tokens = h.uncached_tokens + excluded.uncached_tokens`;
const subjectsConflict = `ON CONFLICT (day, kind, name) DO UPDATE SET
  requests = s.requests + excluded.requests, cost_usd = s.cost_usd + excluded.cost_usd,
  input_tokens = s.input_tokens + excluded.input_tokens, output_tokens = s.output_tokens + excluded.output_tokens`;
const latencyConflict = `ON CONFLICT (day, model, metric, bucket) DO UPDATE SET requests = l.requests + excluded.requests`;

/** The rollups of the rows of `source`: migration 202's backfill, and the trigger's body until 203. */
const aggregate = (source: string) => `
INSERT INTO dashboard_hourly AS h (hour, feature, model, provider, requests, errors, fallbacks, cache_hits,
  input_tokens, output_tokens, cost_usd, cache_saved_usd, uncached_requests, uncached_tokens)
SELECT date_trunc('hour', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', coalesce(feature, ''),
  coalesce(routed_model, requested_model, ''), coalesce(provider, ''), count(*),
  count(*) FILTER (WHERE status >= 400 OR error_code IS NOT NULL), count(*) FILTER (WHERE attempt_count > 1),
  count(*) FILTER (WHERE cache_status IN ${hitStatuses}), sum(input_tokens), sum(output_tokens),
  coalesce(sum(cost_usd), 0), coalesce(sum(cache_saved_usd), 0),
  count(*) FILTER (WHERE cache_status IS NULL OR cache_status NOT IN ${hitStatuses}),
  coalesce(sum(input_tokens + output_tokens) FILTER (WHERE cache_status IS NULL OR cache_status NOT IN ${hitStatuses}), 0)
FROM ${source} GROUP BY 1, 2, 3, 4
${hourlyConflict};
INSERT INTO dashboard_daily_subjects AS s (day, kind, name, requests, cost_usd, input_tokens, output_tokens)
SELECT (time AT TIME ZONE 'UTC')::date, subject.kind, subject.name, count(*), coalesce(sum(cost_usd), 0),
  sum(input_tokens), sum(output_tokens)
FROM ${source} CROSS JOIN LATERAL (VALUES ('user', coalesce(user_id, '')), ('key', coalesce(key_id, ''))) AS subject (kind, name)
GROUP BY 1, 2, 3
${subjectsConflict};
INSERT INTO dashboard_latency_daily AS l (day, model, metric, bucket, requests)
SELECT (time AT TIME ZONE 'UTC')::date, coalesce(routed_model, requested_model, ''), sample.metric,
  floor(ln(greatest(sample.ms, 0.05)::float8) * ${latencyBucketsPerE})::int, count(*)
FROM ${source} CROSS JOIN LATERAL (VALUES ('ttft', ttft_ms), ('total', total_ms)) AS sample (metric, ms)
WHERE status < 400 AND sample.ms IS NOT NULL
GROUP BY 1, 2, 3, 4
${latencyConflict};`;

/** The rollups of every row of llm_traces (what the tables hold once fed batch by batch). */
export const dashboardBackfillSql = aggregate('llm_traces');

/**
 * The trigger's body since migration 203: the same three rollups as `aggregate`, from one pass over
 * the batch. The transition table is read once into a narrow CTE (the columns the rollups use, the
 * day and hour computed once per row), and the per-user and per-key rows and the two latency
 * samples come from two plain aggregations each instead of a LATERAL join that doubled every row.
 * One statement instead of three. On embedded PGlite (COPY batches of 2,000 rows) the dashboard's
 * share of the cost per trace row fell from ~4.5 to ~2.7 µs (BENCHMARKS.md, sixteenth session).
 * Same results as `aggregate` (dashboard-migrations.test.ts holds them to it).
 */
const batchRollupSql = `
WITH t AS MATERIALIZED (
  SELECT (time AT TIME ZONE 'UTC')::date AS day,
    date_trunc('hour', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
    coalesce(feature, '') AS feature, coalesce(routed_model, requested_model, '') AS model,
    coalesce(provider, '') AS provider, coalesce(user_id, '') AS user_id, coalesce(key_id, '') AS key_id,
    status >= 400 OR error_code IS NOT NULL AS failed, attempt_count > 1 AS fell_back,
    coalesce(cache_status IN ${hitStatuses}, false) AS hit, status < 400 AS ok,
    input_tokens, output_tokens, cost_usd, cache_saved_usd, ttft_ms, total_ms
  FROM inserted_traces
), hourly AS (
  INSERT INTO dashboard_hourly AS h (hour, feature, model, provider, requests, errors, fallbacks, cache_hits,
    input_tokens, output_tokens, cost_usd, cache_saved_usd, uncached_requests, uncached_tokens)
  SELECT hour, feature, model, provider, count(*), count(*) FILTER (WHERE failed),
    count(*) FILTER (WHERE fell_back), count(*) FILTER (WHERE hit), sum(input_tokens), sum(output_tokens),
    coalesce(sum(cost_usd), 0), coalesce(sum(cache_saved_usd), 0), count(*) FILTER (WHERE NOT hit),
    coalesce(sum(input_tokens + output_tokens) FILTER (WHERE NOT hit), 0)
  FROM t GROUP BY 1, 2, 3, 4
  ${hourlyConflict}
), subjects AS (
  INSERT INTO dashboard_daily_subjects AS s (day, kind, name, requests, cost_usd, input_tokens, output_tokens)
  SELECT day, 'user', user_id, count(*), coalesce(sum(cost_usd), 0), sum(input_tokens), sum(output_tokens)
    FROM t GROUP BY day, user_id
  UNION ALL
  SELECT day, 'key', key_id, count(*), coalesce(sum(cost_usd), 0), sum(input_tokens), sum(output_tokens)
    FROM t GROUP BY day, key_id
  ${subjectsConflict}
)
INSERT INTO dashboard_latency_daily AS l (day, model, metric, bucket, requests)
SELECT day, model, metric, floor(ln(greatest(ms, 0.05)::float8) * ${latencyBucketsPerE})::int, count(*)
FROM (
  SELECT day, model, 'ttft' AS metric, ttft_ms AS ms FROM t WHERE ok AND ttft_ms IS NOT NULL
  UNION ALL
  SELECT day, model, 'total', total_ms FROM t WHERE ok AND total_ms IS NOT NULL
) AS samples
GROUP BY 1, 2, 3, 4
${latencyConflict};`;

export const dashboardRollupMigrations: readonly Migration[] = [
  {
    id: '202-dashboard-rollups',
    sql: `
CREATE TABLE IF NOT EXISTS dashboard_hourly (
  hour timestamptz NOT NULL,
  feature text NOT NULL,
  model text NOT NULL,
  provider text NOT NULL,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  fallbacks bigint NOT NULL,
  cache_hits bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_usd double precision NOT NULL,
  cache_saved_usd double precision NOT NULL,
  uncached_requests bigint NOT NULL,
  uncached_tokens bigint NOT NULL,
  PRIMARY KEY (hour, feature, model, provider)
);
CREATE TABLE IF NOT EXISTS dashboard_daily_subjects (
  day date NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  requests bigint NOT NULL,
  cost_usd double precision NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  PRIMARY KEY (day, kind, name)
);
CREATE TABLE IF NOT EXISTS dashboard_latency_daily (
  day date NOT NULL,
  model text NOT NULL,
  metric text NOT NULL,
  bucket integer NOT NULL,
  requests bigint NOT NULL,
  PRIMARY KEY (day, model, metric, bucket)
);
${aggregate('llm_traces')}
CREATE OR REPLACE FUNCTION dashboard_rollup_batch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
${aggregate('inserted_traces')}
  RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS dashboard_rollup ON llm_traces;
CREATE TRIGGER dashboard_rollup AFTER INSERT ON llm_traces
  REFERENCING NEW TABLE AS inserted_traces FOR EACH STATEMENT EXECUTE FUNCTION dashboard_rollup_batch();
`,
  },
  {
    // The same rollups in one pass over each batch (batchRollupSql); the trigger keeps its name.
    id: '203-dashboard-rollups-one-pass',
    sql: `
CREATE OR REPLACE FUNCTION dashboard_rollup_batch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
${batchRollupSql}
  RETURN NULL;
END
$fn$;
`,
  },
];

/** Every migration of the dashboard: spend alerts (201) and the rollups (202). */
export const dashboardMigrations: readonly Migration[] = [
  ...spendAlertMigrations,
  ...dashboardRollupMigrations,
];
