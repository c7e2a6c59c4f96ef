// The dashboard's rollups, fed batch by batch by the trigger on llm_traces, hold exactly what the
// rows hold: what migration 202's backfill computes from all the rows at once (the trigger's first
// body). Both write paths: PostgreSQL's INSERT and embedded PGlite's COPY, with a replayed batch
// whose duplicates must not count twice.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTraceTarget, type TraceTarget } from '../../test/helpers/trace-database.js';
import { traceRecord } from '../../test/helpers/trace-record.js';
import type { TraceRecord } from '../telemetry/build-trace-record.js';
import { openTraceDatabase } from '../trace-store/create-trace-store.js';
import type { Database } from '../trace-store/database.js';
import { insertTraces } from '../trace-store/insert-traces.js';
import { dashboardBackfillSql, dashboardMigrations } from './dashboard-migrations.js';

const rollupTables = {
  dashboard_hourly: 'hour, feature, model, provider',
  dashboard_daily_subjects: 'day, kind, name',
  dashboard_latency_daily: 'day, model, metric, bucket',
} as const;

async function rollups(database: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(rollupTables)) {
    // Text, so that both drivers' bigint, date and timestamp forms compare alike.
    const { rows } = await database.query<{ row: string }>(
      `SELECT t::text AS row FROM ${table} AS t ORDER BY ${order}`,
    );
    out[table] = rows.map((row) => row.row);
  }
  return out;
}

/**
 * Rows that take every branch of the rollups: two days and two hours, users and keys set and
 * null, features, a routed model and a requested one only, errors by status and by code, a
 * fallback, cache hits of each kind and misses, no TTFT, unpriced rows. Costs are binary
 * fractions, so sums are exact in any order.
 */
function varied(count: number, offset: number): TraceRecord[] {
  const times = [
    '2026-11-28T23:10:00.000Z',
    '2026-11-28T23:59:59.999Z',
    '2026-11-29T00:00:00.000Z',
    '2026-11-29T01:30:00.500Z',
  ];
  const cacheStatuses = ['miss', 'hit', 'semantic', 'exact', null, 'bypass'];
  return Array.from({ length: count }, (_, index) => {
    const n = index + offset;
    const attempt = {
      deployment: 'openai/gpt-4o-mini',
      provider: 'openai',
      outcome: 'success' as const,
      status: 200,
      latencyMs: 10,
    };
    return traceRecord({
      time: times[n % times.length]!,
      requestId: `req-rollup-${n}`,
      keyId: n % 5 === 0 ? null : `key_${n % 3}`,
      user: n % 4 === 0 ? null : `user-${n % 2}`,
      feature: n % 7 === 0 ? null : `feature-${n % 2}`,
      requestedModel: 'fast',
      routedModel: n % 6 === 0 ? null : `model-${n % 2}`,
      provider: n % 9 === 0 ? null : 'openai',
      attempts: n % 8 === 0 ? [{ ...attempt, outcome: 'error', status: 503 }, attempt] : [attempt],
      cacheStatus: cacheStatuses[n % cacheStatuses.length] ?? null,
      inputTokens: 100 + n,
      outputTokens: 10 + (n % 13),
      ttftMs: n % 3 === 0 ? null : 0.01 + n * 3.7,
      totalMs: 5 + n * 11.3,
      costUsd: n % 10 === 0 ? null : (n % 4) / 8,
      cacheSavedUsd: n % 6 === 1 ? 0.25 : null,
      status: n % 11 === 0 ? 500 : n % 12 === 0 ? 429 : 200,
      errorCode: n % 15 === 0 ? 'upstream_timeout' : null,
    });
  });
}

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`dashboard rollups (${kind})`, () => {
    let target: TraceTarget;
    let database: Database;

    before(async () => {
      target = await createTraceTarget(kind);
      database = await openTraceDatabase(
        { ...target.database, maxConnections: 1, statementTimeoutMs: 10_000 },
        dashboardMigrations,
      );
    });

    after(async () => {
      await database?.close();
      await target?.cleanup();
    });

    it('batch by batch, replays included, hold what the backfill computes from the rows', async () => {
      const first = varied(90, 0);
      await insertTraces(database, first);
      await insertTraces(database, varied(70, 90));
      // A replay of the first batch with some new rows: only the new rows count.
      await insertTraces(database, [...first.slice(40), ...varied(20, 160)]);
      const { rows } = await database.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM llm_traces',
      );
      assert.equal(Number(rows[0]!.n), 180);

      const fed = await rollups(database);
      assert.ok(fed.dashboard_hourly!.length >= 4, 'rows over several hours');
      assert.ok(fed.dashboard_latency_daily!.length > 20, 'latency buckets filled');

      await database.exec(
        `DELETE FROM ${Object.keys(rollupTables).join('; DELETE FROM ')}; ${dashboardBackfillSql}`,
      );
      assert.deepEqual(fed, await rollups(database));
    });
  });
}
