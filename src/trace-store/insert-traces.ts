// How a batch of trace rows reaches the database, feeding the daily rollup (llm_traces_daily) with
// exactly the rows inserted; duplicates by request_id are skipped (a replayed batch is harmless).
//
// PostgreSQL: one statement per batch, an INSERT from one array parameter per column (unnest) whose
// CTE rolls the inserted rows up. The statement text is the same for every batch size: 37
// parameters instead of 37 per row.
//
// Embedded PGlite: the batch is one COPY of text rows (PostgreSQL's bulk-load path: no parameter
// arrays serialised in JavaScript and parsed again in WASM, and heap pages filled many rows at a
// time), ~30 % less CPU per row than the INSERT; the rollup is then the statement trigger of
// migration 004, switched on for this session only (`switchyard.daily_rollup`). A COPY cannot skip
// a duplicate, so a batch it refuses (a replay of a batch that had landed) goes through the INSERT,
// without the CTE: the trigger rolls up what it inserted.

import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { TraceRecord } from '../telemetry/build-trace-record.js';
import { numberText } from '../lib/number-text.js';
import type { CopyPart, Database } from './database.js';

type Column = readonly [
  name: string,
  type: string,
  value: (record: TraceRecord) => unknown,
  /** The record field a queued row is read back into (parseCopyRow, parseColumnFragments). */
  key?: keyof TraceRecord,
];

/** Each column with its SQL type and its value (one array per column, or one COPY field). */
const columns: readonly Column[] = [
  ['time', 'timestamptz', (r) => r.time, 'time'],
  ['request_id', 'text', (r) => r.requestId, 'requestId'],
  ['key_id', 'text', (r) => r.keyId, 'keyId'],
  ['user_id', 'text', (r) => r.user, 'user'],
  ['session_id', 'text', (r) => r.session, 'session'],
  ['feature', 'text', (r) => r.feature, 'feature'],
  ['region', 'text', (r) => r.region, 'region'],
  ['surface', 'text', (r) => r.surface, 'surface'],
  ['operation', 'text', (r) => r.operation, 'operation'],
  ['requested_model', 'text', (r) => r.requestedModel, 'requestedModel'],
  ['routed_model', 'text', (r) => r.routedModel, 'routedModel'],
  ['provider', 'text', (r) => r.provider, 'provider'],
  ['deployment', 'text', (r) => r.deployment, 'deployment'],
  ['route_reason', 'text', (r) => r.routeReason, 'routeReason'],
  ['attempts', 'jsonb', (r) => JSON.stringify(r.attempts), 'attempts'],
  ['attempt_count', 'smallint', (r) => r.attempts.length],
  ['cache_status', 'text', (r) => r.cacheStatus, 'cacheStatus'],
  ['input_tokens', 'integer', (r) => r.inputTokens, 'inputTokens'],
  ['cached_input_tokens', 'integer', (r) => r.cachedInputTokens, 'cachedInputTokens'],
  ['cache_write_tokens', 'integer', (r) => r.cacheWriteTokens, 'cacheWriteTokens'],
  ['output_tokens', 'integer', (r) => r.outputTokens, 'outputTokens'],
  ['reasoning_tokens', 'integer', (r) => r.reasoningTokens, 'reasoningTokens'],
  ['usage_estimated', 'boolean', (r) => r.usageEstimated ?? false, 'usageEstimated'],
  ['ttft_ms', 'real', (r) => r.ttftMs, 'ttftMs'],
  ['total_ms', 'real', (r) => r.totalMs, 'totalMs'],
  ['upstream_ms', 'real', (r) => r.upstreamMs, 'upstreamMs'],
  ['overhead_ms', 'real', (r) => r.overheadMs, 'overheadMs'],
  ['cost_usd', 'double precision', (r) => r.costUsd, 'costUsd'],
  ['cache_saved_usd', 'double precision', (r) => r.cacheSavedUsd, 'cacheSavedUsd'],
  ['status', 'smallint', (r) => r.status, 'status'],
  ['error_code', 'text', (r) => r.errorCode, 'errorCode'],
  ['error_class', 'text', (r) => r.errorClass, 'errorClass'],
  ['finish_reason', 'text', (r) => r.finishReason, 'finishReason'],
  ['streamed', 'boolean', (r) => r.streamed, 'streamed'],
  ['aborted', 'boolean', (r) => r.aborted, 'aborted'],
  ['prompt_text', 'text', (r) => r.promptText, 'promptText'],
  ['response_text', 'text', (r) => r.responseText, 'responseText'],
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

const columnList = columns.map(([name]) => name).join(', ');

/** The INSERT of a batch, without the rollup. Its text is the same for every batch size. */
const insertOnlySql = `INSERT INTO llm_traces (${columnList})
SELECT * FROM unnest(${columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
ON CONFLICT (request_id) DO NOTHING`;

/** PostgreSQL: the INSERT rolling up the rows it inserted, in one statement (one transaction). */
const insertSql = `WITH inserted AS (
${insertOnlySql}
RETURNING time, feature, user_id, key_id, provider, routed_model, requested_model, status, error_code,
  attempt_count, cache_status, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
  reasoning_tokens, cost_usd, cache_saved_usd, total_ms
)${rollupSql}`;

/**
 * The rollup as the body of migration 004's statement trigger, over its transition table of the
 * rows a statement inserted. It does nothing unless the session asked for it: a writer whose INSERT
 * rolls up in its own CTE (PostgreSQL; an older gateway during a rolling upgrade) must not be
 * counted twice. If rollupSql changes, a new migration must replace this function too.
 */
export const dailyRollupTriggerSql = `
CREATE OR REPLACE FUNCTION llm_traces_daily_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF current_setting('switchyard.daily_rollup', true) = 'trigger' THEN
${rollupSql.replace('FROM inserted\n', 'FROM inserted_traces\n')};
  END IF;
  RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS llm_traces_daily_rollup ON llm_traces;
CREATE TRIGGER llm_traces_daily_rollup AFTER INSERT ON llm_traces
  REFERENCING NEW TABLE AS inserted_traces FOR EACH STATEMENT EXECUTE FUNCTION llm_traces_daily_rollup();`;

/** The COPY of a batch on embedded PGlite; its data is copyRows' text. */
export const copySql = `COPY llm_traces (${columnList}) FROM '/dev/blob'`;

/** COPY's text format: a backslash, tab, newline or carriage return is escaped; a NUL dropped. */
// eslint-disable-next-line no-control-regex -- NUL is one of the characters COPY text cannot carry
const copySpecial = /[\\\t\n\r\u0000]/;
// eslint-disable-next-line no-control-regex -- the same set, to replace
const copySpecialAll = /[\\\t\n\r\u0000]/g;
const copyEscapes: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\u0000': '',
};

function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') {
    return copySpecial.test(value)
      ? value.replace(copySpecialAll, (char) => copyEscapes[char] ?? char)
      : value;
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  // Every other column value is a number (NaN and ±Infinity are valid float text too).
  return numberText(value as number);
}

/** The batch as COPY text rows: one line per record, its columns in `columns` order. */
export function copyRows(records: readonly TraceRecord[]): string {
  if (records.length === 0) return '';
  // One more (empty) element gives the last line its end: `join` then returns one flat string
  // (a trailing `+ '\n'` would make a two-part string that V8 copies whole when it is sent).
  const lines: string[] = new Array<string>(records.length + 1);
  const fields: string[] = new Array<string>(columns.length);
  for (let row = 0; row < records.length; row += 1) {
    const record = records[row]!;
    for (let column = 0; column < columns.length; column += 1) {
      fields[column] = copyField(columns[column]![2](record));
    }
    lines[row] = fields.join('\t');
  }
  lines[records.length] = '';
  return lines.join('\n');
}

const copyUnescapes: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r' };

function copyUnescape(field: string): string {
  return field.includes('\\')
    ? field.replace(/\\(.)/g, (_, char: string) => copyUnescapes[char] ?? char)
    : field;
}

/**
 * The record a COPY text row was made from (the inverse of a line of copyRows, but for NULs, which
 * a row cannot carry): for the rare paths that need records again, the spool and the INSERT a
 * refused COPY falls back to. Throws on a line that is not a row of `columns`.
 */
export function parseCopyRow(line: string): TraceRecord {
  const fields = line.split('\t');
  if (fields.length !== columns.length) {
    throw new Error(`a trace COPY row has ${fields.length} fields, not ${columns.length}`);
  }
  const record: Record<string, unknown> = {};
  for (let column = 0; column < columns.length; column += 1) {
    const [, type, , key] = columns[column]!;
    if (key === undefined) continue;
    const field = fields[column]!;
    let value: unknown;
    if (field === '\\N') value = null;
    else if (type === 'boolean') value = field === 't';
    else if (type === 'text' || type === 'timestamptz') value = copyUnescape(field);
    else if (type === 'jsonb') value = JSON.parse(copyUnescape(field)) as unknown;
    else value = Number(field);
    record[key] = value;
  }
  return record as unknown as TraceRecord;
}

/** The records of copyRows' text (each line back through parseCopyRow). */
export function parseCopyRows(part: CopyPart): TraceRecord[] {
  const text =
    typeof part === 'string'
      ? part
      : Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8');
  const lines = text.split('\n');
  // copyRows ends every line, the last one too: the final element is empty.
  lines.pop();
  return lines.map(parseCopyRow);
}

/**
 * Rows of a batch's statement text (COPY rows, or PostgreSQL's array literals) built per turn of
 * the event loop: a 2,000-row embedded batch (~2.3 µs a row of COPY text on this host, ~3–4 ms
 * with a scavenge) would otherwise hold the loop ~5 ms at once; in slices it yields every
 * ~0.3–0.8 ms (250-row slices took 0.7–1.8 ms in the eleventh session's measure).
 */
export const rowsPerTurn = 100;

/**
 * A batch of any size encoded `rowsPerTurn` rows per part (copyRows, columnFragments), yielding
 * to the event loop between parts. The parts stay apart (the COPY reads them in order; PostgreSQL's
 * literals join them): joined, a 500-row batch was one ~200 KB string, which V8 allocates in its
 * large-object space, i.e. straight in the old generation, where only a mark-compact frees it;
 * with a copy of it made again to send it over the IPC channel, ~0.4 KB of old generation per
 * request at 1,000 req/s (BENCHMARKS.md, twelfth session). A part (~40 KB) is young garbage.
 */
export async function inTurns<Part>(
  records: readonly TraceRecord[],
  encode: (records: readonly TraceRecord[]) => Part,
): Promise<Part[]> {
  const parts: Part[] = [];
  for (let start = 0; start < records.length; start += rowsPerTurn) {
    if (start > 0) await setImmediatePromise();
    parts.push(encode(records.slice(start, start + rowsPerTurn)));
  }
  return parts;
}

const arraySpecialAll = /[\\"]/g;

/**
 * One element of a PostgreSQL array literal (`{"a","b",NULL}`): NULL, or the value as text in
 * double quotes with `\` and `"` escaped. What pg's prepareValue makes of an array parameter, for
 * the values trace columns hold (text, numbers, booleans, null).
 */
function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  // Numbers (NaN and ±Infinity included) and booleans need no quotes.
  if (typeof value === 'number') return numberText(value);
  if (typeof value !== 'string') return `${value as boolean}`;
  return `"${value.includes('\\') || value.includes('"') ? value.replace(arraySpecialAll, '\\$&') : value}"`;
}

/**
 * PostgreSQL: a part of a batch's parameters, for each column its records' array elements joined
 * by commas (an array literal without its braces). Made while the rows wait in the writer's queue
 * (rowsPerTurn rows at a time: 37 strings instead of ~10 objects a row), then joined into the
 * batch's literals (columnLiterals). Left to the `pg` driver, the 37 arrays of a 500-row batch were
 * serialised in one piece: ~2–5 ms of the event loop every batch (every 0.5 s at 1,000 req/s),
 * which the requests arriving meanwhile waited out (BENCHMARKS.md, eleventh session).
 */
export function columnFragments(records: readonly TraceRecord[]): string[] {
  const elements = new Array<string>(records.length);
  return columns.map(([, type, value]) => {
    for (let row = 0; row < records.length; row += 1) {
      const field = value(records[row]!);
      elements[row] = arrayElement(type === 'text' ? storable(field) : field);
    }
    // `join` makes one flat string; `+=` made a rope of ~2 nodes a row, which stayed alive (and
    // was copied by every scavenge) as long as the part waited: slower scavenges than the records.
    return elements.join(',');
  });
}

/** The batch's parameters (one array literal per column, as text) from its parts' fragments. */
export function columnLiterals(parts: readonly (readonly string[])[]): string[] {
  return columns.map((_, column) => `{${parts.map((fragments) => fragments[column]!).join(',')}}`);
}

/** The elements of one column's fragment, as their text (null for an unquoted NULL). */
function arrayElements(fragment: string): (string | null)[] {
  const elements: (string | null)[] = [];
  let index = 0;
  while (index < fragment.length) {
    if (fragment[index] === '"') {
      let text = '';
      index += 1;
      while (index < fragment.length && fragment[index] !== '"') {
        if (fragment[index] === '\\') index += 1;
        text += fragment[index];
        index += 1;
      }
      elements.push(text);
      index += 2; // the closing quote and the comma
    } else {
      const comma = fragment.indexOf(',', index);
      const end = comma < 0 ? fragment.length : comma;
      const raw = fragment.slice(index, end);
      elements.push(raw === 'NULL' ? null : raw);
      index = end + 1;
    }
  }
  return elements;
}

/**
 * The records a part's fragments were made from (columnFragments' inverse, but for NULs, which
 * are dropped from text values): for the spool, when the database is down.
 */
export function parseColumnFragments(fragments: readonly string[]): TraceRecord[] {
  if (fragments.length !== columns.length) {
    throw new Error(`trace column fragments: ${fragments.length}, not ${columns.length}`);
  }
  let records: Record<string, unknown>[] | undefined;
  for (let column = 0; column < columns.length; column += 1) {
    const [, type, , key] = columns[column]!;
    if (key === undefined) continue;
    const elements = arrayElements(fragments[column]!);
    records ??= elements.map(() => ({}));
    if (elements.length !== records.length) {
      throw new Error(
        `trace column fragments: ${elements.length} values of ${key}, not ${records.length}`,
      );
    }
    for (let row = 0; row < elements.length; row += 1) {
      const element = elements[row]!;
      let value: unknown;
      if (element === null) value = null;
      else if (type === 'boolean') value = element === 'true';
      else if (type === 'text' || type === 'timestamptz') value = element;
      else if (type === 'jsonb') value = JSON.parse(element) as unknown;
      else value = Number(element);
      records[row]![key] = value;
    }
  }
  return (records ?? []) as unknown as TraceRecord[];
}

/** PostgreSQL, a batch whose rows are already column fragments (made while they waited). */
export async function insertColumnParts(
  database: Database,
  parts: readonly (readonly string[])[],
): Promise<void> {
  if (parts.length === 0) return;
  if (database.copyFrom) {
    await insertTraces(database, parts.flatMap(parseColumnFragments));
    return;
  }
  await database.query(insertSql, columnLiterals(parts));
}

/** Databases whose session has the trigger rollup switched on (PGlite: one session per database). */
const triggerRollupOn = new WeakSet<Database>();

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
  // The same statements as for rows that waited in the writer's queue in their statement form.
  if (database.copyFrom) await insertCopyParts(database, await inTurns(records, copyRows));
  else await insertColumnParts(database, await inTurns(records, columnFragments));
}

/**
 * Embedded PGlite, a batch whose rows are already COPY text (copyRows' parts, made while the rows
 * waited in the writer's queue): one COPY of the parts as they are. A refused COPY (a duplicate
 * request_id: a replay) goes through the INSERT, from the records the rows parse back into.
 */
export async function insertCopyParts(
  database: Database,
  parts: readonly CopyPart[],
): Promise<void> {
  if (parts.length === 0) return;
  if (!database.copyFrom) {
    await insertTraces(database, parts.flatMap(parseCopyRows));
    return;
  }
  await useTriggerRollup(database);
  try {
    await database.copyFrom(copySql, parts);
    return;
  } catch {
    // A duplicate request_id (a replay), or any row COPY refused: the INSERT path decides.
  }
  await database.query(insertOnlySql, columnArrays(parts.flatMap(parseCopyRows)));
}

/** Switches the session's trigger rollup on (once per database) before its first COPY. */
async function useTriggerRollup(database: Database): Promise<void> {
  if (triggerRollupOn.has(database)) return;
  await database.exec(`SET switchyard.daily_rollup = 'trigger'`);
  triggerRollupOn.add(database);
}

/** One array per column, filled directly (no array per row). */
function columnArrays(records: readonly TraceRecord[]): unknown[][] {
  return columns.map(([, type, value]) =>
    type === 'text' ? records.map((record) => storable(value(record))) : records.map(value),
  );
}
