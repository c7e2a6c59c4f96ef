// One statement per batch: an INSERT into llm_traces from one array parameter per column (unnest),
// duplicates by request_id skipped (a replayed batch is harmless), feeding the daily rollup with
// exactly the rows it inserted. The statement text is the same for every batch size: 36 parameters
// instead of 36 per row, so PostgreSQL parses a few hundred bytes, not a statement per row.

import type { TraceRecord } from '../telemetry/build-trace-record.js';
import type { Database } from './database.js';

type Column = readonly [name: string, type: string, value: (record: TraceRecord) => unknown];

/** Each column with its SQL type and its value: the batch travels as one array per column. */
const columns: readonly Column[] = [
  ['time', 'timestamptz', (r) => r.time],
  ['request_id', 'text', (r) => r.requestId],
  ['key_id', 'text', (r) => r.keyId],
  ['user_id', 'text', (r) => r.user],
  ['session_id', 'text', (r) => r.session],
  ['feature', 'text', (r) => r.feature],
  ['region', 'text', (r) => r.region],
  ['surface', 'text', (r) => r.surface],
  ['operation', 'text', (r) => r.operation],
  ['requested_model', 'text', (r) => r.requestedModel],
  ['routed_model', 'text', (r) => r.routedModel],
  ['provider', 'text', (r) => r.provider],
  ['deployment', 'text', (r) => r.deployment],
  ['route_reason', 'text', (r) => r.routeReason],
  ['attempts', 'jsonb', (r) => JSON.stringify(r.attempts)],
  ['attempt_count', 'smallint', (r) => r.attempts.length],
  ['cache_status', 'text', (r) => r.cacheStatus],
  ['input_tokens', 'integer', (r) => r.inputTokens],
  ['cached_input_tokens', 'integer', (r) => r.cachedInputTokens],
  ['cache_write_tokens', 'integer', (r) => r.cacheWriteTokens],
  ['output_tokens', 'integer', (r) => r.outputTokens],
  ['reasoning_tokens', 'integer', (r) => r.reasoningTokens],
  ['usage_estimated', 'boolean', (r) => r.usageEstimated ?? false],
  ['ttft_ms', 'real', (r) => r.ttftMs],
  ['total_ms', 'real', (r) => r.totalMs],
  ['upstream_ms', 'real', (r) => r.upstreamMs],
  ['overhead_ms', 'real', (r) => r.overheadMs],
  ['cost_usd', 'double precision', (r) => r.costUsd],
  ['cache_saved_usd', 'double precision', (r) => r.cacheSavedUsd],
  ['status', 'smallint', (r) => r.status],
  ['error_code', 'text', (r) => r.errorCode],
  ['error_class', 'text', (r) => r.errorClass],
  ['finish_reason', 'text', (r) => r.finishReason],
  ['streamed', 'boolean', (r) => r.streamed],
  ['aborted', 'boolean', (r) => r.aborted],
  ['prompt_text', 'text', (r) => r.promptText],
  ['response_text', 'text', (r) => r.responseText],
];

/**
 * A NUL cannot be stored in a PostgreSQL text value: one such string (a client's `model` field
 * can carry it) failed the whole batch, and again at every replay of the spool file it went to.
 * Text columns drop it; the check keeps the common path free of copies.
 */
function storable(value: unknown): unknown {
  return typeof value === 'string' && value.includes('\u0000')
    ? value.replaceAll('\u0000', '')
    : value;
}

/** Rows per statement; bigger batches are split (bounds the size of one Bind message). */
export const maxRowsPerInsert = 5_000;

const hitStatuses = `('hit', 'semantic', 'exact')`;

const rollupSql = `
INSERT INTO llm_traces_daily AS daily (day, feature, user_id, key_id, provider, model, requests, errors,
  fallbacks, cache_hits, unpriced, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
  reasoning_tokens, cost_usd, cache_saved_usd, total_ms_sum)
SELECT (time AT TIME ZONE 'UTC')::date, coalesce(feature, ''), coalesce(user_id, ''), coalesce(key_id, ''),
  coalesce(provider, ''), coalesce(routed_model, requested_model, ''),
  count(*), count(*) FILTER (WHERE status >= 400 OR error_code IS NOT NULL),
  count(*) FILTER (WHERE attempt_count > 1), count(*) FILTER (WHERE cache_status IN ${hitStatuses}),
  count(*) FILTER (WHERE cost_usd IS NULL),
  sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens),
  sum(reasoning_tokens), coalesce(sum(cost_usd), 0), coalesce(sum(cache_saved_usd), 0), sum(total_ms)
FROM inserted
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (day, feature, user_id, key_id, provider, model) DO UPDATE SET
  requests = daily.requests + excluded.requests,
  errors = daily.errors + excluded.errors,
  fallbacks = daily.fallbacks + excluded.fallbacks,
  cache_hits = daily.cache_hits + excluded.cache_hits,
  unpriced = daily.unpriced + excluded.unpriced,
  input_tokens = daily.input_tokens + excluded.input_tokens,
  cached_input_tokens = daily.cached_input_tokens + excluded.cached_input_tokens,
  cache_write_tokens = daily.cache_write_tokens + excluded.cache_write_tokens,
  output_tokens = daily.output_tokens + excluded.output_tokens,
  reasoning_tokens = daily.reasoning_tokens + excluded.reasoning_tokens,
  cost_usd = daily.cost_usd + excluded.cost_usd,
  cache_saved_usd = daily.cache_saved_usd + excluded.cache_saved_usd,
  total_ms_sum = daily.total_ms_sum + excluded.total_ms_sum`;

/** The same text for every batch: PostgreSQL parses ~2 KB, whatever the number of rows. */
const insertSql = `WITH inserted AS (
INSERT INTO llm_traces (${columns.map(([name]) => name).join(', ')})
SELECT * FROM unnest(${columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
ON CONFLICT (request_id) DO NOTHING
RETURNING time, feature, user_id, key_id, provider, routed_model, requested_model, status, error_code,
  attempt_count, cache_status, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
  reasoning_tokens, cost_usd, cache_saved_usd, total_ms
)${rollupSql}`;

/** Inserts a batch (≤ maxRowsPerInsert rows) and rolls it up, in one statement (one transaction). */
export async function insertTraces(
  database: Database,
  records: readonly TraceRecord[],
): Promise<void> {
  if (records.length === 0) return;
  if (records.length > maxRowsPerInsert) {
    for (let start = 0; start < records.length; start += maxRowsPerInsert) {
      await insertTraces(database, records.slice(start, start + maxRowsPerInsert));
    }
    return;
  }
  // One array per column, filled directly (no array per row).
  const params = columns.map(([, type, value]) =>
    type === 'text' ? records.map((record) => storable(value(record))) : records.map(value),
  );
  await database.query(insertSql, params);
}
