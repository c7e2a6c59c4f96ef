// A batch travels as one array per column on PostgreSQL and as one COPY on PGlite
// (insert-traces.ts): on both, every column arrives as the record had it, and one odd row (a NUL in
// a client's model name, a lone surrogate, a NaN, a tab or a backslash) is stored, repaired where it
// must be, instead of failing the batch it travels with (a failed batch went to the spool and
// failed again at every replay). The daily rollup counts each inserted row once, whichever path
// inserted it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTraceTarget, type TraceTarget } from '../../test/helpers/trace-database.js';
import { traceRecord } from '../../test/helpers/trace-record.js';
import type { TraceRecord } from '../telemetry/build-trace-record.js';
import { copyTextParts } from './create-trace-writer.js';
import type { Database } from './database.js';
import {
  columnFragments,
  copyRows,
  insertColumnParts,
  insertCopyParts,
  insertTraces,
  inTurns,
  parseColumnFragments,
  parseCopyRows,
  rowsPerTurn,
} from './insert-traces.js';

/** Every field set to a value of its own, so a column read from the wrong field shows. */
function record(overrides: Partial<TraceRecord> = {}): TraceRecord {
  return traceRecord({
    time: '2026-11-27T10:00:00.123Z',
    keyId: 'key_1',
    user: 'ana',
    session: 'sess-9',
    region: 'eu',
    attempts: [
      {
        deployment: 'a/x',
        provider: 'a',
        outcome: 'error',
        errorKind: 'rate_limited',
        status: 429,
        latencyMs: 3.5,
      },
      {
        deployment: 'openai/gpt-4o-mini',
        provider: 'openai',
        outcome: 'success',
        status: 200,
        latencyMs: 120.25,
      },
    ],
    cacheStatus: 'miss',
    inputTokens: 1200,
    cachedInputTokens: 1024,
    cacheWriteTokens: 7,
    outputTokens: 300,
    reasoningTokens: 64,
    usageEstimated: true,
    ttftMs: 80.5,
    totalMs: 140.25,
    upstreamMs: 123.5,
    overheadMs: 1.75,
    costUsd: 0.000123456789,
    streamed: true,
    promptText: 'Say "hi" \\ twice — ünïcödé 🎉',
    responseText: 'hi hi',
    ...overrides,
  });
}

interface Row {
  time: Date;
  request_id: string;
  key_id: string | null;
  user_id: string | null;
  session_id: string | null;
  feature: string | null;
  region: string | null;
  surface: string;
  operation: string;
  requested_model: string | null;
  routed_model: string | null;
  provider: string | null;
  deployment: string | null;
  route_reason: string | null;
  attempts: unknown;
  attempt_count: number;
  cache_status: string | null;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  usage_estimated: boolean;
  ttft_ms: number | null;
  total_ms: number;
  upstream_ms: number;
  overhead_ms: number;
  cost_usd: number | null;
  cache_saved_usd: number | null;
  status: number;
  error_code: string | null;
  error_class: string | null;
  finish_reason: string | null;
  streamed: boolean;
  aborted: boolean;
  prompt_text: string | null;
  response_text: string | null;
}

/** The database, recording each statement's kind (`copy`, `insert`, …) in `calls`. */
function statementSpy(database: Database, calls: string[]): Database {
  const copyFrom = database.copyFrom!.bind(database);
  return {
    ...database,
    async copyFrom(sql, data) {
      calls.push('copy');
      await copyFrom(sql, data);
    },
    async query<Row>(sql: string, params?: unknown[]) {
      calls.push(sql.trimStart().split(/\s/)[0]!.toLowerCase());
      return database.query<Row>(sql, params);
    },
  };
}

async function rowOf(database: Database, requestId: string): Promise<Row> {
  const result = await database.query<Row>('SELECT * FROM llm_traces WHERE request_id = $1', [
    requestId,
  ]);
  assert.equal(result.rows.length, 1, `one row for ${requestId}`);
  return result.rows[0]!;
}

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`trace rows in one batch (${kind})`, () => {
    let target: TraceTarget;
    let database: Database;

    before(async () => {
      target = await createTraceTarget(kind);
      database = await target.open();
    });

    after(async () => {
      await database?.close();
      await target?.cleanup();
    });

    it('stores every column as the record had it', async () => {
      const full = record();
      const sparse = record({
        keyId: null,
        user: null,
        session: null,
        feature: null,
        region: null,
        routedModel: null,
        provider: null,
        deployment: null,
        routeReason: null,
        attempts: [],
        cacheStatus: null,
        ttftMs: null,
        costUsd: null,
        cacheSavedUsd: 0.5,
        status: 502,
        errorCode: 'upstream_error',
        errorClass: 'server_error',
        finishReason: null,
        streamed: false,
        aborted: true,
        promptText: null,
        responseText: null,
      });
      delete sparse.usageEstimated;
      await insertTraces(database, [full, sparse]);

      const a = await rowOf(database, full.requestId);
      assert.equal(a.time.toISOString(), full.time);
      assert.deepEqual(
        [a.key_id, a.user_id, a.session_id, a.feature, a.region, a.surface, a.operation],
        ['key_1', 'ana', 'sess-9', 'search', 'eu', 'openai', 'chat'],
      );
      assert.deepEqual(
        [a.requested_model, a.routed_model, a.provider, a.deployment, a.route_reason],
        ['fast', 'gpt-4o-mini', 'openai', 'openai/gpt-4o-mini', 'alias:fast'],
      );
      assert.deepEqual(a.attempts, full.attempts);
      assert.equal(a.attempt_count, 2);
      assert.equal(a.cache_status, 'miss');
      assert.deepEqual(
        [
          a.input_tokens,
          a.cached_input_tokens,
          a.cache_write_tokens,
          a.output_tokens,
          a.reasoning_tokens,
        ],
        [1200, 1024, 7, 300, 64],
      );
      assert.equal(a.usage_estimated, true);
      assert.deepEqual(
        [a.ttft_ms, a.total_ms, a.upstream_ms, a.overhead_ms],
        [80.5, 140.25, 123.5, 1.75],
      );
      assert.equal(a.cost_usd, 0.000123456789);
      assert.equal(a.cache_saved_usd, null);
      assert.deepEqual(
        [a.status, a.error_code, a.error_class, a.finish_reason],
        [200, null, null, 'stop'],
      );
      assert.deepEqual([a.streamed, a.aborted], [true, false]);
      assert.equal(a.prompt_text, full.promptText);
      assert.equal(a.response_text, 'hi hi');

      const b = await rowOf(database, sparse.requestId);
      assert.deepEqual(
        [b.key_id, b.user_id, b.session_id, b.feature, b.region, b.routed_model, b.provider],
        [null, null, null, null, null, null, null],
      );
      assert.deepEqual(b.attempts, []);
      assert.equal(b.attempt_count, 0);
      assert.equal(b.usage_estimated, false, 'an absent usageEstimated is false');
      assert.deepEqual([b.ttft_ms, b.cost_usd, b.cache_saved_usd], [null, null, 0.5]);
      assert.deepEqual(
        [b.status, b.error_code, b.error_class],
        [502, 'upstream_error', 'server_error'],
      );
      assert.deepEqual(
        [b.streamed, b.aborted, b.prompt_text, b.response_text],
        [false, true, null, null],
      );
    });

    it('stores a row PostgreSQL would refuse, repaired, instead of failing its batch', async () => {
      const good = record();
      const odd = record({
        requestedModel: 'gpt\u0000-4o',
        promptText: 'lone \ud800 surrogate',
        feature: 'nul\u0000inside',
        responseText: 'a \\ud800 written out stays as it is',
        session: 'tab\there, new\nline, cr\r, backslash \\N and \\.',
        region: 'NULL',
        routeReason: 'quote " braces {a,b} comma, backslash \\" end\\',
        deployment: '',
        totalMs: Number.NaN,
      });
      await insertTraces(database, [good, odd]);

      assert.equal((await rowOf(database, good.requestId)).prompt_text, good.promptText);
      const stored = await rowOf(database, odd.requestId);
      assert.equal(stored.requested_model, 'gpt-4o');
      assert.equal(stored.feature, 'nulinside');
      assert.equal(stored.prompt_text, 'lone \ufffd surrogate');
      assert.equal(stored.response_text, 'a \\ud800 written out stays as it is');
      assert.equal(stored.session_id, 'tab\there, new\nline, cr\r, backslash \\N and \\.');
      assert.equal(stored.region, 'NULL', 'the text NULL, not a null');
      assert.equal(stored.route_reason, 'quote " braces {a,b} comma, backslash \\" end\\');
      assert.equal(stored.deployment, '');
      assert.ok(Number.isNaN(stored.total_ms));
    });

    it('skips a replayed row (same request id) and counts it once in the rollup', async () => {
      const once = record({ feature: `replay-${kind}` });
      await insertTraces(database, [once]);
      await insertTraces(database, [once, record({ feature: `replay-${kind}` })]);
      const rows = await database.query<{ requests: string }>(
        'SELECT requests::text AS requests FROM llm_traces_daily WHERE feature = $1',
        [`replay-${kind}`],
      );
      assert.equal(
        rows.rows.map((row) => Number(row.requests)).reduce((a, b) => a + b, 0),
        2,
      );
    });

    if (kind === 'postgres') {
      it("builds a big batch's parameters over several turns of the event loop, and inserts it whole", async () => {
        let turned = false;
        let turnedBeforeQuery: boolean | undefined;
        const spy: Database = {
          ...database,
          async query<Row>(sql: string, params?: unknown[]) {
            turnedBeforeQuery = turned;
            return database.query<Row>(sql, params);
          },
        };
        const batch = Array.from({ length: rowsPerTurn * 4 + 1 }, () =>
          record({ feature: 'big-batch-pg' }),
        );
        setImmediate(() => (turned = true));
        await insertTraces(spy, batch);
        assert.equal(turnedBeforeQuery, true, 'an immediate ran while the parameters were built');
        const { rows } = await database.query<{ n: number; requests: string }>(
          `SELECT (SELECT count(*)::int FROM llm_traces WHERE feature = 'big-batch-pg') AS n,
                  (SELECT sum(requests)::text FROM llm_traces_daily WHERE feature = 'big-batch-pg') AS requests`,
        );
        assert.deepEqual(rows[0], { n: batch.length, requests: String(batch.length) });
      });
    }

    it('stores rows queued in their statement form (parts) as the records would be stored, odd values included', async () => {
      // PostgreSQL: the INSERT's array-literal fragments; PGlite: COPY text, as the writer queues
      // it (its UTF-8 bytes, copyTextParts) and as a string.
      const insertParts = (records: TraceRecord[]) =>
        kind === 'postgres'
          ? insertColumnParts(
              database,
              records.map((one) => columnFragments([one])),
            )
          : insertCopyParts(
              database,
              records.map((one, index) =>
                index % 2 === 1 ? copyTextParts.encode([one]) : copyRows([one]),
              ),
            );
      const plain = record({ feature: 'parts-path' });
      const odd = record({
        feature: 'parts-path',
        requestedModel: 'gpt\u0000-4o',
        promptText: 'lone \ud800 surrogate, "quoted", back\\slash, {braces}',
        session: 'tab\there, new\nline, cr\r, backslash \\N and \\.',
        region: 'NULL',
        deployment: '',
        usageEstimated: false,
        ttftMs: null,
        totalMs: Number.NaN,
      });
      const twins = [plain, odd].map((one) => ({ ...one, requestId: `${one.requestId}-twin` }));
      await insertParts([plain, odd]);
      await insertTraces(database, twins);
      for (const [index, one] of [plain, odd].entries()) {
        const { request_id: id, ...viaParts } = await rowOf(database, one.requestId);
        const { request_id: twinId, ...viaRecords } = await rowOf(
          database,
          twins[index]!.requestId,
        );
        assert.equal(twinId, `${id}-twin`);
        assert.deepEqual(viaParts, viaRecords);
      }
      const { rows } = await database.query<{ requests: string }>(
        `SELECT sum(requests)::text AS requests FROM llm_traces_daily WHERE feature = 'parts-path'`,
      );
      assert.deepEqual(rows[0], { requests: '4' });
    });

    if (kind === 'pglite') {
      it('a replay of COPY text parts goes to the INSERT and is counted once in the rollup', async () => {
        const calls: string[] = [];
        const spy = statementSpy(database, calls);
        const first = [record({ feature: 'parts-replay' }), record({ feature: 'parts-replay' })];
        await insertCopyParts(spy, [copyRows(first)]);
        assert.deepEqual(calls, ['copy'], 'fresh parts are one COPY');
        calls.length = 0;
        await insertCopyParts(spy, [
          copyTextParts.encode([first[1]!]),
          copyRows([record({ feature: 'parts-replay' })]),
        ]);
        assert.deepEqual(calls, ['copy', 'insert'], 'a duplicate sends the rows to the INSERT');
        const { rows } = await database.query<{ requests: string; n: number }>(
          `SELECT (SELECT sum(requests)::text FROM llm_traces_daily WHERE feature = 'parts-replay') AS requests,
                  (SELECT count(*)::int FROM llm_traces WHERE feature = 'parts-replay') AS n`,
        );
        assert.deepEqual(rows[0], { requests: '3', n: 3 });
      });

      it('loads a batch with one COPY, and inserts a batch COPY refuses (a replay)', async () => {
        const calls: string[] = [];
        const spy = statementSpy(database, calls);
        const first = [record({ feature: 'copy-path' }), record({ feature: 'copy-path' })];
        await insertTraces(spy, first);
        assert.deepEqual(calls, ['copy'], 'a fresh batch is one COPY');

        calls.length = 0;
        await insertTraces(spy, [first[1]!, record({ feature: 'copy-path' })]);
        assert.deepEqual(calls, ['copy', 'insert'], 'a duplicate sends the batch to the INSERT');

        const { rows } = await database.query<{ requests: string; input: string }>(
          `SELECT sum(requests)::text AS requests, sum(input_tokens)::text AS input
           FROM llm_traces_daily WHERE feature = 'copy-path'`,
        );
        assert.deepEqual(rows[0], { requests: '3', input: '3600' });
      });

      it("builds a big batch's COPY text over several turns of the event loop, and loads it whole", async () => {
        const copyFrom = database.copyFrom!.bind(database);
        let turned = false;
        let turnedBeforeCopy: boolean | undefined;
        const spy: Database = {
          ...database,
          async copyFrom(sql, data) {
            turnedBeforeCopy = turned;
            await copyFrom(sql, data);
          },
        };
        const batch = Array.from({ length: rowsPerTurn * 4 + 1 }, () =>
          record({ feature: 'big-batch' }),
        );
        // The session setting of a new Database object goes first (a statement of its own).
        await insertTraces(spy, [record({ feature: 'big-batch' })]);
        setImmediate(() => (turned = true));
        await insertTraces(spy, batch);
        assert.equal(turnedBeforeCopy, true, 'an immediate ran while the text was built');
        const { rows } = await database.query<{ n: number; requests: string }>(
          `SELECT (SELECT count(*)::int FROM llm_traces WHERE feature = 'big-batch') AS n,
                  (SELECT sum(requests)::text FROM llm_traces_daily WHERE feature = 'big-batch') AS requests`,
        );
        assert.deepEqual(rows[0], { n: batch.length + 1, requests: String(batch.length + 1) });
      });
    }
  });
}

/** A record with every character each queued form must escape (COPY text and array literals). */
function oddRecord(): TraceRecord {
  return record({
    requestId: 'odd',
    session: 'tab\there, new\nline, cr\r, backslash \\N and \\.',
    region: 'NULL',
    feature: 'comma, "quote", back\\slash, {brace}, \\N',
    deployment: '',
    promptText: 'lone \ud800 surrogate — ünïcödé 🎉',
    attempts: [{ deployment: 'a\tb,c', provider: 'p"q', outcome: 'success', latencyMs: 0.1 }],
    usageEstimated: false,
    ttftMs: null,
    costUsd: null,
    cacheSavedUsd: 1e-12,
    totalMs: Number.NaN,
    upstreamMs: Number.POSITIVE_INFINITY,
    errorCode: 'upstream_error',
    streamed: false,
    aborted: true,
  });
}

describe('COPY text rows of a trace batch', () => {
  it('writes one line per record, tab-separated, NULL as \\N, booleans as t/f', () => {
    const text = copyRows([
      record({ requestId: 'r1', session: null, promptText: 'a\tb\\c\nd\re\u0000f' }),
    ]);
    assert.ok(text.endsWith('\n'));
    const fields = text.slice(0, -1).split('\t');
    assert.equal(fields.length, 37);
    assert.equal(fields[1], 'r1');
    assert.equal(fields[4], '\\N', 'session');
    assert.ok(fields.includes('t') && fields.includes('f'));
    assert.equal(text.split('\n').length, 2, 'escaped newlines do not split the row');
    assert.ok(text.includes('a\\tb\\\\c\\nd\\re'), 'escaped, NUL dropped');
    assert.equal(copyRows([]), '');
  });

  it('is the same text when built in turns, in parts of at most rowsPerTurn rows', async () => {
    const records = Array.from({ length: rowsPerTurn * 2 + 3 }, (_, index) =>
      record({ requestId: `turns-${index}` }),
    );
    const parts = await inTurns(records, copyRows);
    assert.equal(parts.join(''), copyRows(records));
    assert.deepEqual(
      parts.map((part) => part.split('\n').length - 1),
      [rowsPerTurn, rowsPerTurn, 3],
      'rows per part',
    );
    assert.ok(
      parts.every((part) => part.endsWith('\n')),
      'every part ends its last row',
    );
    assert.deepEqual(await inTurns([], copyRows), []);
  });

  it('parses back to the records it was made from (parseCopyRows)', () => {
    const odd = oddRecord();
    const records = [record({ requestId: 'plain' }), odd];
    assert.deepEqual(parseCopyRows(copyRows(records)), records);
    assert.deepEqual(parseCopyRows(''), []);
    // NUL cannot travel in a row: dropped, as the database would drop it.
    assert.equal(parseCopyRows(copyRows([record({ user: 'a\u0000b' })]))[0]!.user, 'ab');
    assert.throws(() => parseCopyRows('only\ttwo fields\n'), /fields/);
  });

  it('array-literal fragments parse back to the records they were made from', () => {
    const odd = oddRecord();
    const records = [record({ requestId: 'plain' }), odd, record({ requestId: 'last' })];
    assert.deepEqual(parseColumnFragments(columnFragments(records)), records);
    assert.deepEqual(parseColumnFragments(columnFragments([odd])), [odd]);
    assert.equal(
      parseColumnFragments(columnFragments([record({ user: 'a\u0000b' })]))[0]!.user,
      'ab',
    );
    assert.throws(() => parseColumnFragments(['x']), /fragments/);
  });
});
