// The advisor on a generated trace set matches a hand computation (embedded PGlite, real SQL).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTraceDatabase } from '../trace-store/create-trace-store.js';
import type { Database } from '../trace-store/database.js';
import { dashboardMigrations } from './dashboard-migrations.js';
import { buildEconomicsAdvice } from './economics-advisor.js';

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≉ ${expected}`);

interface Row {
  time: string;
  feature: string;
  tokens: number;
  cost: number;
  provider?: string;
  cache?: string;
}

async function insert(database: Database, rows: Row[]) {
  let id = 0;
  for (let start = 0; start < rows.length; start += 200) {
    const chunk = rows.slice(start, start + 200);
    const params: unknown[] = [];
    const values = chunk.map((row) => {
      id += 1;
      const base = params.length;
      // input/output split 3:1; the advisor counts their sum.
      params.push(
        row.time,
        `advisor-${id}`,
        row.feature,
        row.provider ?? 'anthropic',
        row.cache ?? null,
        Math.round(row.tokens * 0.75),
        row.tokens - Math.round(row.tokens * 0.75),
        row.cost,
      );
      return `($${base + 1}, $${base + 2}, $${base + 3}, 'openai', 'chat', $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7}, $${base + 8}, 100, 90, 10, 200, false, false)`;
    });
    await database.query(
      `INSERT INTO llm_traces (time, request_id, feature, surface, operation, provider, cache_status,
         input_tokens, output_tokens, cost_usd, total_ms, upstream_ms, overhead_ms, status, streamed, aborted)
       VALUES ${values.join(', ')}`,
      params,
    );
  }
}

describe('economics advisor from traces', () => {
  let database: Database;
  const since = new Date('2026-11-01T00:00:00Z');
  const until = new Date('2026-11-11T00:00:00Z'); // 10 days

  before(async () => {
    database = await openTraceDatabase(
      { pgliteDir: 'memory://', statementTimeoutMs: 10_000, maxConnections: 1 },
      dashboardMigrations,
    );
    const rows: Row[] = [];
    for (let day = 1; day <= 10; day += 1) {
      const date = `2026-11-${String(day).padStart(2, '0')}`;
      for (let hour = 0; hour < 24; hour += 1) {
        const time = `${date}T${String(hour).padStart(2, '0')}:30:00Z`;
        // support: 360,000 tokens every hour at $3/1M = $1.08, and a second request at 14:00.
        rows.push({ time, feature: 'support', tokens: 360_000, cost: 1.08 });
        if (hour === 14) rows.push({ time, feature: 'support', tokens: 360_000, cost: 1.08 });
      }
      // search: one small request a day at 09:00.
      rows.push({ time: `${date}T09:10:00Z`, feature: 'search', tokens: 1_000, cost: 0.003 });
      // Left out: a cache hit, and traffic already on the self-hosted provider.
      rows.push({
        time: `${date}T14:40:00Z`,
        feature: 'support',
        tokens: 9e6,
        cost: 0,
        cache: 'hit',
      });
      rows.push({
        time: `${date}T14:50:00Z`,
        feature: 'support',
        tokens: 9e6,
        cost: 5,
        provider: 'vllm',
      });
    }
    // Outside the window.
    rows.push({ time: '2026-10-31T23:59:00Z', feature: 'support', tokens: 9e6, cost: 99 });
    await insert(database, rows);
  });
  after(async () => {
    await database.close();
  });

  it('matches the hand computation per feature', async () => {
    const report = await buildEconomicsAdvice(database, {
      since,
      until,
      preset: { name: 'test', gpuHourUsd: 1, gpusPerReplica: 1, tokensPerSecond: 1_000 },
      targetUtilisation: 0.5,
      excludeProviders: ['vllm'],
    });
    close(report.windowDays, 10);
    const [support, search] = report.features;
    assert.equal(support?.feature, 'support');
    assert.equal(search?.feature, 'search');
    if (!support || !search) return;
    // 25 requests a day × 360,000 tokens × 10 days = 90M tokens, $270.
    assert.equal(support.requests, 250);
    assert.equal(support.tokensInWindow, 90_000_000);
    close(support.apiSpendInWindowUsd, 270, 1e-9);
    // A month is 730 h = 30.4167 days: × 3.041667.
    const scale = 730 / 24 / 10;
    close(support.tokensPerMonth, 90_000_000 * scale, 1e-3);
    close(support.apiMonthlyUsd, 821.25, 1e-9);
    close(support.apiPerMTok ?? 0, 3, 1e-12);
    // Hour profile: 360,000 tokens/h = 100 tokens/s, 200 at 14:00 UTC.
    close(support.hourProfile[3] ?? 0, 100, 1e-9);
    close(support.hourProfile[14] ?? 0, 200, 1e-9);
    assert.equal(support.peakHourUtc, 14);
    close(support.averageTokensPerSecond, 9_000_000 / 86_400, 1e-9);
    // Peak 200 tokens/s ÷ (1,000 tokens/s × 50 %) → 1 replica, $1/h × 730 h = $730/month.
    assert.equal(support.replicas, 1);
    close(support.selfHostedMonthlyUsd, 730, 1e-9);
    close(support.effectiveUtilisation, 9_000_000 / 86_400 / 1_000, 1e-9);
    close(support.monthlySavingUsd, 91.25, 1e-9);
    assert.equal(support.crossesBreakEven, true);
    close(support.breakEvenTokensPerMonth ?? 0, (730 / 3) * 1e6, 1e-3);

    // search: 10 × 1,000 tokens, $0.03; one replica would cost $730 → far from paying.
    assert.equal(search.tokensInWindow, 10_000);
    close(search.apiMonthlyUsd, 0.03 * scale, 1e-9);
    close(search.monthlySavingUsd, 0.03 * scale - 730, 1e-9);
    assert.equal(search.crossesBreakEven, false);
    close(search.hourProfile[9] ?? 0, 1_000 / 3600, 1e-9);
    assert.ok(report.assumptions.some((text) => /busiest UTC hour/.test(text)));
    assert.ok(report.assumptions.some((text) => /vllm/.test(text)));
  });

  it('more GPU-heavy presets need more replicas and stop paying', async () => {
    const report = await buildEconomicsAdvice(database, {
      since,
      until,
      preset: { name: 'slow', gpuHourUsd: 1, gpusPerReplica: 1, tokensPerSecond: 150 },
      targetUtilisation: 0.5,
      excludeProviders: ['vllm'],
    });
    const support = report.features.find((feature) => feature.feature === 'support');
    // 200 ÷ (150 × 0.5) = 2.67 → 3 replicas, $2,190/month > $821.25.
    assert.equal(support?.replicas, 3);
    assert.equal(support?.crossesBreakEven, false);
  });
});
