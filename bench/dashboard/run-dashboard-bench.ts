// Dashboard at scale: generates N trace rows (default 1,000,000, over 30 days) into a throwaway
// PostgreSQL schema, with the daily rollup filled as the writer would, starts a gateway on it, and
// times (1) each /admin/stats endpoint per range and (2) the page in Chromium from navigation to
// every panel drawn. Usage:
//   node --import tsx bench/dashboard/run-dashboard-bench.ts [--rows 1000000] [--database-url URL] [--keep]

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { chromium } from 'playwright-core';
import pino from 'pino';
import { parseConfig } from '../../src/config/load-config.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { dashboardMigrations } from '../../src/reports/dashboard-migrations.js';
import { openTraceDatabase } from '../../src/trace-store/create-trace-store.js';
import { runMigrations } from '../../src/trace-store/database.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : (args[index + 1] ?? fallback);
};
const rows = Number(option('--rows', '1000000'));
const baseUrl = option('--database-url', 'postgres://postgres@127.0.0.1:5432/test');
const keep = args.includes('--keep');
const runs = Number(option('--runs', '5'));

const schema = `bench_dashboard_${randomBytes(4).toString('hex')}`;
const url = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main() {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-dashboard-bench-'));
  let closeAll = async () => undefined as unknown;
  try {
    const database = await openTraceDatabase({
      url,
      pgliteDir: join(dir, 'unused'),
      statementTimeoutMs: 600_000,
      maxConnections: 2,
    });
    const started = performance.now();
    // Skewed like real traffic: feature i gets weight ~1/(i+1) (20 features), 500 users, 50 keys,
    // 5 models, 10 % cache hits, 3 % fallbacks, 2 % errors; times spread over 30 days in insert
    // order (as a trace table fills: roughly by time).
    await database.exec(`
INSERT INTO llm_traces (time, request_id, key_id, user_id, feature, surface, operation, requested_model,
  routed_model, provider, deployment, attempt_count, cache_status, input_tokens, output_tokens, ttft_ms,
  total_ms, upstream_ms, overhead_ms, cost_usd, cache_saved_usd, status, streamed, aborted)
SELECT now() - interval '30 days' * (1 - g::float8 / ${rows}) - random() * interval '10 minutes', 'bench-' || g, 'key_' || (g % 50), 'user_' || (g % 500),
  'feature_' || floor(20 * power(random(), 2))::int, 'openai', 'chat', 'alias',
  (ARRAY['gpt-4o','gpt-4o-mini','claude-sonnet-4-5','claude-haiku-4-5','llama-3-8b'])[1 + g % 5],
  (ARRAY['openai','openai','anthropic','anthropic','vllm'])[1 + g % 5], 'dep',
  CASE WHEN g % 33 = 0 THEN 2 ELSE 1 END, CASE WHEN g % 10 = 0 THEN 'hit' ELSE 'miss' END,
  200 + (g % 2000), 50 + (g % 500), 50 + random() * 500, 200 + random() * 3000, 190 + random() * 2900,
  random() * 2, CASE WHEN g % 10 = 0 THEN 0 ELSE (200 + (g % 2000)) * 3e-6 + (50 + (g % 500)) * 15e-6 END,
  CASE WHEN g % 10 = 0 THEN 0.002 ELSE NULL END, CASE WHEN g % 50 = 0 THEN 502 ELSE 200 END, true, false
FROM generate_series(1, ${rows}) AS g;
INSERT INTO llm_traces_daily (day, feature, user_id, key_id, provider, model, requests, errors, fallbacks,
  cache_hits, unpriced, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
  cost_usd, cache_saved_usd, total_ms_sum)
SELECT (time AT TIME ZONE 'UTC')::date, coalesce(feature, ''), coalesce(user_id, ''), coalesce(key_id, ''),
  coalesce(provider, ''), coalesce(routed_model, requested_model, ''), count(*),
  count(*) FILTER (WHERE status >= 400 OR error_code IS NOT NULL), count(*) FILTER (WHERE attempt_count > 1),
  count(*) FILTER (WHERE cache_status IN ('hit', 'semantic', 'exact')), count(*) FILTER (WHERE cost_usd IS NULL),
  sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
  coalesce(sum(cost_usd), 0), coalesce(sum(cache_saved_usd), 0), sum(total_ms)
FROM llm_traces GROUP BY 1, 2, 3, 4, 5, 6;
ANALYZE llm_traces; ANALYZE llm_traces_daily;`);
    const { rows: counts } = await database.query<{ traces: string; daily: string }>(
      'SELECT (SELECT count(*) FROM llm_traces) AS traces, (SELECT count(*) FROM llm_traces_daily) AS daily',
    );
    console.log(
      `generated ${counts[0]?.traces} trace rows (${counts[0]?.daily} rollup rows) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    // The dashboard's migration on a store that already holds the rows: tables, trigger, backfill.
    const migrating = performance.now();
    await runMigrations(database, dashboardMigrations);
    console.log(
      `dashboard migration with backfill of ${counts[0]?.traces} rows: ${((performance.now() - migrating) / 1000).toFixed(1)} s`,
    );
    const { rows: rollups } = await database.query<{
      hourly: string;
      subjects: string;
      latency: string;
    }>(
      `SELECT (SELECT count(*) FROM dashboard_hourly) AS hourly,
              (SELECT count(*) FROM dashboard_daily_subjects) AS subjects,
              (SELECT count(*) FROM dashboard_latency_daily) AS latency`,
    );
    console.log(
      `dashboard rollups: ${rollups[0]?.hourly} hourly, ${rollups[0]?.subjects} user/key-day, ${rollups[0]?.latency} latency-histogram rows`,
    );
    await database.close();

    const built = spawnSync(process.execPath, ['scripts/build-dashboard.mjs'], {
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(built.stderr);
    const config = parseConfig(
      {
        server: { port: 0 },
        database: { url, pgliteDir: join(dir, 'unused') },
        traces: { spoolDir: join(dir, 'spool') },
        caps: { perUserDailyUsd: 5 },
      },
      {},
      'bench',
    );
    const gateway = createGateway(config, pino({ level: 'warn' }));
    const base = await gateway.start();
    closeAll = () => gateway.close();
    // Wait for the trace database (overview reads it), not only for the HTTP server (live).
    for (let attempt = 0; attempt < 300; attempt += 1) {
      if ((await fetch(`${base}/admin/stats/overview?since=1h`)).status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const ranges = ['1h', '24h', '7d', '30d'];
    const apiRows: string[] = [];
    for (const range of ranges) {
      const timings: Record<string, number[]> = { overview: [], live: [], economics: [] };
      for (let run = 0; run < runs; run += 1) {
        for (const endpoint of Object.keys(timings)) {
          const query = endpoint === 'live' ? '' : `?since=${range}`;
          const start = performance.now();
          const response = await fetch(`${base}/admin/stats/${endpoint}${query}`);
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`${endpoint} ${range}: ${response.status}`);
          timings[endpoint]?.push(performance.now() - start);
        }
      }
      apiRows.push(
        `| ${range} | ${Object.values(timings)
          .map((values) => median(values).toFixed(0))
          .join(' | ')} |`,
      );
    }

    const userDataDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
      viewport: { width: 1400, height: 1000 },
    });
    const pageRows: string[] = [];
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      for (const range of ranges) {
        const timings: number[] = [];
        for (let run = 0; run < runs; run += 1) {
          const start = performance.now();
          await page.goto(`${base}/ui#range=${range}`, { waitUntil: 'commit' });
          await page.reload({ waitUntil: 'commit' });
          await page.waitForSelector(`body[data-loaded-range="${range}"]`, { timeout: 60_000 });
          timings.push(performance.now() - start);
        }
        pageRows.push(
          `| ${range} | ${median(timings).toFixed(0)} | ${Math.max(...timings).toFixed(0)} |`,
        );
      }
    } finally {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
    console.log(`\n${rows} trace rows over 30 days, PostgreSQL, median of ${runs} runs\n`);
    console.log('| range | overview ms | live ms | economics ms |\n|---|---|---|---|');
    console.log(apiRows.join('\n'));
    console.log(
      '\n| range | page load ms (navigation → every panel drawn), median | max |\n|---|---|---|',
    );
    console.log(pageRows.join('\n'));
  } finally {
    await closeAll();
    if (!keep) await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    else console.log(`kept schema ${schema}`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
