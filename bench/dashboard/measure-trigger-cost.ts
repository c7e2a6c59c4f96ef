// What the dashboard's rollup trigger adds to the trace writer's batch INSERT: the same batches of
// 500 rows through insertTraces() into two fresh PostgreSQL schemas, one with the dashboard
// migrations (trigger) and one without. Usage:
//   node --import tsx bench/dashboard/measure-trigger-cost.ts [--batches 40] [--database-url URL]

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dashboardMigrations } from '../../src/reports/dashboard-migrations.js';
import type { TraceRecord } from '../../src/telemetry/build-trace-record.js';
import { openTraceDatabase } from '../../src/trace-store/create-trace-store.js';
import { insertTraces } from '../../src/trace-store/insert-traces.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : (args[index + 1] ?? fallback);
};
const batches = Number(option('--batches', '40'));
const baseUrl = option('--database-url', 'postgres://postgres@127.0.0.1:5432/test');

function record(index: number): TraceRecord {
  return {
    time: new Date(Date.now() - index * 1000).toISOString(),
    requestId: `${randomBytes(8).toString('hex')}-${index}`,
    keyId: `key_${index % 50}`,
    user: `user_${index % 500}`,
    session: null,
    feature: `feature_${index % 20}`,
    region: null,
    surface: 'openai',
    operation: 'chat',
    requestedModel: 'alias',
    routedModel: ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5'][index % 3] ?? null,
    provider: 'openai',
    deployment: 'openai/gpt-4o',
    routeReason: null,
    attempts: [],
    cacheStatus: index % 10 === 0 ? 'hit' : 'miss',
    inputTokens: 500,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 100,
    reasoningTokens: 0,
    ttftMs: 100 + (index % 300),
    totalMs: 400 + (index % 900),
    upstreamMs: 390,
    overheadMs: 1,
    costUsd: 0.003,
    cacheSavedUsd: null,
    status: 200,
    errorCode: null,
    errorClass: null,
    finishReason: 'stop',
    streamed: true,
    aborted: false,
    promptText: null,
    responseText: null,
  };
}

async function measure(withTrigger: boolean): Promise<number[]> {
  const schema = `bench_trigger_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = `${baseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const database = await openTraceDatabase(
    { url, pgliteDir: '/nonexistent', statementTimeoutMs: 60_000, maxConnections: 1 },
    withTrigger ? dashboardMigrations : [],
  );
  const timings: number[] = [];
  try {
    for (let batch = 0; batch < batches; batch += 1) {
      const rows = Array.from({ length: 500 }, (_, index) => record(batch * 500 + index));
      const start = performance.now();
      await insertTraces(database, rows);
      timings.push(performance.now() - start);
    }
  } finally {
    await database.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
  return timings;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
// Alternate so that machine load hits both alike.
const without: number[] = [];
const withTrigger: number[] = [];
for (let round = 0; round < 2; round += 1) {
  without.push(...(await measure(false)));
  withTrigger.push(...(await measure(true)));
}
console.log(
  `batch INSERT of 500 trace rows, median of ${without.length}: without trigger ${median(without).toFixed(1)} ms, with the dashboard trigger ${median(withTrigger).toFixed(1)} ms`,
);
