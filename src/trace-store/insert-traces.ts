// One statement per batch: an INSERT into llm_traces from one array parameter per column (unnest),
// duplicates by request_id skipped (a replayed batch is harmless), feeding the daily rollup with
// exactly the rows it inserted. The statement text is the same for every batch size: 36 parameters
// instead of 36 per row, so PostgreSQL parses a few hundred bytes, not a statement per row.

import type { TraceRecord } from '../telemetry/build-trace-record.js';
import type { Database } from './database.js';

/** Each column with its SQL type: the batch travels as one array per column (see insertTraces). */
const columns = [
  ['time', 'timestamptz'],
  ['request_id', 'text'],
  ['key_id', 'text'],
  ['user_id', 'text'],
  ['session_id', 'text'],
  ['feature', 'text'],
  ['region', 'text'],
  ['surface', 'text'],
  ['operation', 'text'],
  ['requested_model', 'text'],
  ['routed_model', 'text'],
  ['provider', 'text'],
  ['deployment', 'text'],
  ['route_reason', 'text'],
  ['attempts', 'jsonb'],
  ['attempt_count', 'smallint'],
  ['cache_status', 'text'],
  ['input_tokens', 'integer'],
  ['cached_input_tokens', 'integer'],
  ['cache_write_tokens', 'integer'],
  ['output_tokens', 'integer'],
  ['reasoning_tokens', 'integer'],
  ['usage_estimated', 'boolean'],
  ['ttft_ms', 'real'],
  ['total_ms', 'real'],
  ['upstream_ms', 'real'],
  ['overhead_ms', 'real'],
  ['cost_usd', 'double precision'],
  ['cache_saved_usd', 'double precision'],
  ['status', 'smallint'],
  ['error_code', 'text'],
  ['error_class', 'text'],
  ['finish_reason', 'text'],
  ['streamed', 'boolean'],
  ['aborted', 'boolean'],
  ['prompt_text', 'text'],
  ['response_text', 'text'],
] as const;

/** Rows per statement; bigger batches are split (bounds the size of one Bind message). */
export const maxRowsPerInsert = 5_000;

function valuesOf(record: TraceRecord): unknown[] {
  return [
    record.time,
    record.requestId,
    record.keyId,
    record.user,
    record.session,
    record.feature,
    record.region,
    record.surface,
    record.operation,
    record.requestedModel,
    record.routedModel,
    record.provider,
    record.deployment,
    record.routeReason,
    JSON.stringify(record.attempts),
    record.attempts.length,
    record.cacheStatus,
    record.inputTokens,
    record.cachedInputTokens,
    record.cacheWriteTokens,
    record.outputTokens,
    record.reasoningTokens,
    record.usageEstimated ?? false,
    record.ttftMs,
    record.totalMs,
    record.upstreamMs,
    record.overheadMs,
    record.costUsd,
    record.cacheSavedUsd,
    record.status,
    record.errorCode,
    record.errorClass,
    record.finishReason,
    record.streamed,
    record.aborted,
    record.promptText,
    record.responseText,
  ];
}

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
  const params: unknown[][] = columns.map(() => new Array<unknown>(records.length));
  records.forEach((record, row) => {
    valuesOf(record).forEach((value, column) => {
      (params[column] as unknown[])[row] = value;
    });
  });
  await database.query(insertSql, params);
}
