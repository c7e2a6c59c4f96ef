// Schema of the trace store (ids 0xx; other owners use their own ranges). Same SQL on PostgreSQL
// and PGlite. Narrow typed columns; `request_id` is unique so that a replayed batch never doubles.

import type { Migration } from './database.js';
import { dailyRollupTriggerSql } from './insert-traces.js';

export const traceMigrations: readonly Migration[] = [
  {
    id: '001-llm-traces',
    sql: `
CREATE TABLE IF NOT EXISTS llm_traces (
  time timestamptz NOT NULL,
  request_id text NOT NULL,
  key_id text,
  user_id text,
  session_id text,
  feature text,
  region text,
  surface text NOT NULL,
  operation text NOT NULL,
  requested_model text,
  routed_model text,
  provider text,
  deployment text,
  route_reason text,
  attempts jsonb NOT NULL DEFAULT '[]'::jsonb,
  attempt_count smallint NOT NULL DEFAULT 0,
  cache_status text,
  input_tokens integer NOT NULL DEFAULT 0,
  cached_input_tokens integer NOT NULL DEFAULT 0,
  cache_write_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  reasoning_tokens integer NOT NULL DEFAULT 0,
  ttft_ms real,
  total_ms real NOT NULL,
  upstream_ms real NOT NULL,
  overhead_ms real NOT NULL,
  cost_usd double precision,
  cache_saved_usd double precision,
  status smallint NOT NULL,
  error_code text,
  error_class text,
  finish_reason text,
  streamed boolean NOT NULL,
  aborted boolean NOT NULL,
  prompt_text text,
  response_text text,
  CONSTRAINT llm_traces_request_id_key UNIQUE (request_id)
);
CREATE INDEX IF NOT EXISTS llm_traces_time_idx ON llm_traces (time);
CREATE INDEX IF NOT EXISTS llm_traces_feature_time_idx ON llm_traces (feature, time);
CREATE INDEX IF NOT EXISTS llm_traces_user_time_idx ON llm_traces (user_id, time);
CREATE INDEX IF NOT EXISTS llm_traces_key_time_idx ON llm_traces (key_id, time);
`,
  },
  {
    id: '002-llm-traces-daily',
    sql: `
CREATE TABLE IF NOT EXISTS llm_traces_daily (
  day date NOT NULL,
  feature text NOT NULL DEFAULT '',
  user_id text NOT NULL DEFAULT '',
  key_id text NOT NULL DEFAULT '',
  provider text NOT NULL DEFAULT '',
  model text NOT NULL DEFAULT '',
  requests bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  fallbacks bigint NOT NULL DEFAULT 0,
  cache_hits bigint NOT NULL DEFAULT 0,
  unpriced bigint NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  cached_input_tokens bigint NOT NULL DEFAULT 0,
  cache_write_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  reasoning_tokens bigint NOT NULL DEFAULT 0,
  cost_usd double precision NOT NULL DEFAULT 0,
  cache_saved_usd double precision NOT NULL DEFAULT 0,
  total_ms_sum double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (day, feature, user_id, key_id, provider, model)
);
`,
  },
  {
    id: '003-llm-traces-usage-estimated',
    sql: `ALTER TABLE llm_traces ADD COLUMN IF NOT EXISTS usage_estimated boolean NOT NULL DEFAULT false;`,
  },
  {
    // The daily rollup as a statement trigger too, for writers that load rows with COPY (embedded
    // PGlite): inert unless the session sets switchyard.daily_rollup (insert-traces.ts).
    id: '004-llm-traces-daily-trigger',
    sql: dailyRollupTriggerSql,
  },
  {
    // Every query of the gateway's own (reports, dashboard) reads llm_traces by time alone; spend
    // by feature, user or key comes from llm_traces_daily. These three were kept up to date on
    // every row and read by nothing: ~9 µs of the embedded store's ~31 µs per row (COPY of 1,000-row
    // batches, BENCHMARKS.md fifteenth session). docs/observability.md says how to add one back.
    id: '005-llm-traces-drop-dimension-indexes',
    sql: `
DROP INDEX IF EXISTS llm_traces_feature_time_idx;
DROP INDEX IF EXISTS llm_traces_user_time_idx;
DROP INDEX IF EXISTS llm_traces_key_time_idx;
`,
  },
];
