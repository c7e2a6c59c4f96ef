// Trace pipeline benchmark: (1) sustained rows/s the trace writer puts into PostgreSQL, per batch
// size; (2) the cost of tracing on the request path: the same gateway with traces + metrics on vs
// off against an instant emulator, max-rate req/s and latency, runs interleaved (off, on, off, on…)
// so that machine noise hits both sides. Loopback only; bounded by --rows, --seconds, --rounds.
//
//   node --import tsx bench/traces/run-traces-bench.ts [--rows 50000] [--seconds 8] [--rounds 2]

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { startEmulator } from '../../emulator/index.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createGateway } from '../../src/server/create-gateway.js';
import type { TraceRecord } from '../../src/telemetry/build-trace-record.js';
import { createPriceTable } from '../../src/pricing/price-table.js';
import { buildTraceRecord } from '../../src/telemetry/build-trace-record.js';
import { createLogger } from '../../src/telemetry/create-logger.js';
import { createMetrics } from '../../src/telemetry/create-metrics.js';
import { subscribeRequestFinished, type RequestFinishedEvent } from '../../src/telemetry/events.js';
import { openTraceDatabase } from '../../src/trace-store/create-trace-store.js';
import { createTraceWriter } from '../../src/trace-store/create-trace-writer.js';
import { createTraceSpool } from '../../src/trace-store/trace-spool.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
  },
});
const rows = Number(values.rows);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const postgresUrl =
  process.env.SWITCHYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function withSearchPath(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

function record(index: number): TraceRecord {
  return {
    time: new Date().toISOString(),
    requestId: randomUUID(),
    keyId: `key_${index % 50}`,
    user: `user-${index % 1000}`,
    session: null,
    feature: `feature-${index % 20}`,
    region: 'eu',
    surface: 'openai',
    operation: 'chat',
    requestedModel: 'fast',
    routedModel: 'gpt-4o-mini',
    provider: 'openai',
    deployment: 'openai/gpt-4o-mini',
    routeReason: 'alias:fast',
    attempts: [
      { deployment: 'openai/gpt-4o-mini', provider: 'openai', outcome: 'success', latencyMs: 120 },
    ],
    cacheStatus: 'miss',
    inputTokens: 812,
    cachedInputTokens: 256,
    cacheWriteTokens: 0,
    outputTokens: 143,
    reasoningTokens: 0,
    ttftMs: 80.5,
    totalMs: 130.2,
    upstreamMs: 128.9,
    overheadMs: 1.3,
    costUsd: 0.000241,
    cacheSavedUsd: null,
    status: 200,
    errorCode: null,
    errorClass: null,
    finishReason: 'stop',
    streamed: index % 2 === 0,
    aborted: false,
    promptText: null,
    responseText: null,
  };
}

async function withSchema<T>(work: (url: string) => Promise<T>): Promise<T> {
  const schema = `bench_traces_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    return await work(withSearchPath(postgresUrl, schema));
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

/** Rows/s from the first enqueue until the last row is committed, at one batch size. */
async function writerThroughput(batchSize: number) {
  return withSchema(async (url) => {
    const database = { url, pgliteDir: 'unused', maxConnections: 2, statementTimeoutMs: 30_000 };
    await (await openTraceDatabase(database)).close(); // migrations outside the timing
    const spoolDir = await mkdtemp(join(tmpdir(), 'switchyard-bench-spool-'));
    const writer = createTraceWriter({
      connect: () => openTraceDatabase(database),
      spool: createTraceSpool({ dir: spoolDir, maxBytes: 1024 ** 3 }),
      batchSize,
      flushIntervalMs: 50,
      queueLimit: rows + 1,
    });
    const records = Array.from({ length: rows }, (_, index) => record(index));
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (const item of records) writer.enqueue(item);
    while (writer.stats().written < rows && writer.stats().spooledRows === 0) {
      await writer.flush();
    }
    const elapsedS = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const stats = writer.stats();
    await writer.close();
    await rm(spoolDir, { recursive: true, force: true });
    return {
      batchSize,
      rows,
      seconds: Math.round(elapsedS * 100) / 100,
      rowsPerSecond: Math.round(rows / elapsedS),
      /** Gateway-process CPU per row written (building the INSERT, the pg client), µs. */
      cpuMicrosPerRow: Math.round(((cpu.user + cpu.system) / rows) * 10) / 10,
      spooled: stats.spooledRows,
    };
  });
}

interface LoadResult {
  rps: number;
  ok: number;
  /** CPU of this whole process (gateway + emulator + load generator) per 2xx response, µs. */
  cpuMicrosPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
}

type Variant = 'off' | 'metrics' | 'on';

async function gatewayLoad(variant: Variant, emulatorUrl: string, url: string, spoolDir: string) {
  const config = parseConfig(
    {
      server: { port: 0 },
      logging: { level: 'silent' },
      providers: { upstream: { type: 'openai', baseUrl: `${emulatorUrl}/v1` } },
      models: { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
      database: { url },
      traces: { enabled: variant === 'on', spoolDir },
      metrics: { enabled: variant !== 'off' },
    },
    {},
    'bench config',
  );
  const gateway = createGateway(config, createLogger({ level: 'silent' }));
  const base = await gateway.start();
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: `${base}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-switchyard-feature': 'bench' },
    body: JSON.stringify({
      model: 'fast',
      temperature: 0.7,
      messages: [{ role: 'user', content: 'Say hello.' }],
    }),
    connections,
    duration: seconds,
    sampleInt: 250,
  });
  const cpu = process.cpuUsage(cpuBefore);
  await gateway.close();
  return {
    cpuMicrosPerRequest: Math.round((cpu.user + cpu.system) / Math.max(result['2xx'], 1)),
    rps: Math.round((result['2xx'] / result.duration) * 10) / 10,
    ok: result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  } satisfies LoadResult;
}

const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * CPU of the per-request telemetry path itself: trace record + metrics + enqueue, on a real
 * request-finished event captured from the gateway (no I/O; the INSERT is measured above).
 */
async function telemetryPathMicros(emulatorUrl: string): Promise<number> {
  const config = parseConfig(
    {
      server: { port: 0 },
      providers: { upstream: { type: 'openai', baseUrl: `${emulatorUrl}/v1` } },
      models: { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
      traces: { enabled: false },
    },
    {},
    'bench config',
  );
  const gateway = createGateway(config, createLogger({ level: 'silent' }));
  const base = await gateway.start();
  let captured: RequestFinishedEvent | undefined;
  const unsubscribe = subscribeRequestFinished((event) => (captured ??= event));
  await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-switchyard-feature': 'bench' },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'Say hello.' }] }),
  }).then((response) => response.text());
  await new Promise((resolve) => setTimeout(resolve, 50));
  unsubscribe();
  await gateway.close();
  if (!captured) throw new Error('no request-finished event captured');
  const event = captured;
  const prices = createPriceTable();
  const metrics = createMetrics({ inFlightRequests: () => 0 });
  const queue: TraceRecord[] = [];
  const iterations = 200_000;
  const started = process.cpuUsage();
  for (let index = 0; index < iterations; index += 1) {
    const built = buildTraceRecord(event, { prices });
    metrics.observeRequest(built, 'fast');
    queue.push(built);
    if (queue.length > 1000) queue.length = 0;
  }
  const cpu = process.cpuUsage(started);
  return Math.round(((cpu.user + cpu.system) / iterations) * 100) / 100;
}

async function main() {
  const machine = {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    loadavg: loadavg(),
    node: process.version,
  };
  console.log(`machine: ${JSON.stringify(machine)}`);
  const writer = [];
  for (const batchSize of [100, 500, 2000]) {
    const result = await writerThroughput(batchSize);
    writer.push(result);
    console.log(
      `writer batch ${batchSize}: ${result.rowsPerSecond} rows/s (${rows} rows in ${result.seconds} s)`,
    );
  }

  const emulator = await startEmulator({
    kind: 'openai',
    recordRequests: false,
    prefixCaching: false,
  });
  const pathMicros = await telemetryPathMicros(emulator.url);
  console.log(`telemetry path per request (record + metrics + enqueue): ${pathMicros} µs CPU`);
  const spoolDir = await mkdtemp(join(tmpdir(), 'switchyard-bench-spool-'));
  const runs: Record<Variant, LoadResult[]> = { off: [], metrics: [], on: [] };
  try {
    await withSchema(async (url) => {
      for (let round = 0; round < rounds; round += 1) {
        for (const variant of ['off', 'metrics', 'on'] as const) {
          const result = await gatewayLoad(variant, emulator.url, url, spoolDir);
          runs[variant].push(result);
          console.log(`round ${round + 1} ${variant.padEnd(7)}: ${JSON.stringify(result)}`);
        }
      }
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      const { rows: counted } = await pool.query<{ count: string }>(
        'SELECT count(*) FROM llm_traces',
      );
      await pool.end();
      const served = runs.on.reduce((sum, run) => sum + run.ok, 0);
      console.log(
        `rows written by the traced runs: ${counted[0]?.count} (${served} requests answered 2xx, plus a few still in flight when a run stopped)`,
      );
    });
  } finally {
    await emulator.close();
    await rm(spoolDir, { recursive: true, force: true });
  }
  const summary = {
    telemetryPathMicros: pathMicros,
    cpuOff: median(runs.off.map((run) => run.cpuMicrosPerRequest)),
    cpuMetricsOnly: median(runs.metrics.map((run) => run.cpuMicrosPerRequest)),
    cpuOn: median(runs.on.map((run) => run.cpuMicrosPerRequest)),
    rpsMetricsOnly: median(runs.metrics.map((run) => run.rps)),
    rpsOff: median(runs.off.map((run) => run.rps)),
    rpsOn: median(runs.on.map((run) => run.rps)),
    p50Off: median(runs.off.map((run) => run.p50)),
    p50On: median(runs.on.map((run) => run.p50)),
    p99Off: median(runs.off.map((run) => run.p99)),
    p99On: median(runs.on.map((run) => run.p99)),
  };
  const ratio = {
    cpuPerRequestOnOverOff: Math.round((summary.cpuOn / summary.cpuOff) * 1000) / 1000,
    throughputOnOverOff: Math.round((summary.rpsOn / summary.rpsOff) * 1000) / 1000,
    p50OnOverOff: Math.round((summary.p50On / Math.max(summary.p50Off, 0.001)) * 1000) / 1000,
    p99OnOverOff: Math.round((summary.p99On / Math.max(summary.p99Off, 0.001)) * 1000) / 1000,
  };
  console.log(`summary: ${JSON.stringify(summary)}`);
  console.log(`ratios (tracing on / off): ${JSON.stringify(ratio)}`);
  await writeFile(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), machine, rows, seconds, rounds, connections, writer, runs, summary, ratio }, null, 2)}\n`,
  );
}

await main();
