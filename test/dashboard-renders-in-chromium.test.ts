// The dashboard in a real browser (Debian's Chromium through playwright-core) against a gateway
// filled with generated traffic through the emulator (features, users, keys, models, cache hits,
// fallbacks, an open breaker, spend alerts) plus older rows written directly: every panel renders
// with data, the numbers match SQL over llm_traces, the time range picker changes them, and a
// screenshot is saved to artifacts/dashboard.png. Also: the stats API's access rule.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import pino from 'pino';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { parseConfig } from '../src/config/load-config.js';
import { createAdminStatsRoutes } from '../src/server/admin-stats-routes.js';
import type { TraceRecord } from '../src/telemetry/build-trace-record.js';
import type { Database } from '../src/trace-store/database.js';
import { insertTraces } from '../src/trace-store/insert-traces.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';
import { createTraceTarget, type TraceTarget } from './helpers/trace-database.js';
import { traceRecord } from './helpers/trace-record.js';

const viewerKey = 'viewer-key-0123456789abcdef';
const keys = { alpha: 'sk-alpha-0123456789abcdef', beta: 'sk-beta-0123456789abcdef' };
const features = ['support', 'search', 'summarize', 'chat'];
const users = ['alice', 'bob', 'carol', 'dave'];
const models = ['fast', 'smart', 'sonnet'];
const panels = [
  'totals',
  'spend-over-time',
  'top-users',
  'top-keys',
  'pareto',
  'latency',
  'providers',
  'in-flight',
  'caps',
  'alerts',
  'economics',
];

/** Polls an async condition, bounded. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function oldRecord(index: number, time: string): TraceRecord {
  return traceRecord({
    time,
    requestId: `old-${index}-${Math.random().toString(36).slice(2)}`,
    keyId: 'cfg_alpha',
    user: 'erin',
    feature: 'batch-reports',
    requestedModel: 'smart',
    routedModel: 'gpt-4o',
    provider: 'backup',
    deployment: 'backup/gpt-4o',
    routeReason: null,
    attempts: [],
    cacheStatus: 'miss',
    inputTokens: 100_000,
    outputTokens: 25_000,
    ttftMs: 300,
    totalMs: 900,
    upstreamMs: 880,
    overheadMs: 2,
    costUsd: 0.5,
  });
}

describe('dashboard renders in Chromium', { timeout: 240_000 }, () => {
  let primary: Emulator;
  let backup: Emulator;
  let target: TraceTarget;
  let gateway: TestGateway;
  let sql: Database;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let sent = 0;

  before(async () => {
    const built = spawnSync(process.execPath, ['scripts/build-dashboard.mjs'], {
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    primary = await startEmulator({ kind: 'openai', name: 'primary', seed: 7 });
    backup = await startEmulator({ kind: 'openai', name: 'backup' });
    const gone = await startEmulator({ kind: 'openai', name: 'gone' });
    await gone.close();
    // About a third of the primary's answers fail: the chain falls back to the backup.
    primary.setFaults({ status: 500, probability: 0.35, path: '/v1/chat/completions' });
    target = await createTraceTarget('postgres');
    gateway = await startGateway({
      providers: {
        primary: { type: 'openai', baseUrl: `${primary.url}/v1`, apiKey: 'k' },
        backup: { type: 'openai', baseUrl: `${backup.url}/v1`, apiKey: 'k' },
        gone: { type: 'openai', baseUrl: `${gone.url}/v1`, apiKey: 'k' },
      },
      models: {
        fast: [
          { provider: 'primary', model: 'gpt-4o-mini' },
          { provider: 'backup', model: 'gpt-4o-mini' },
        ],
        smart: [
          { provider: 'gone', model: 'gpt-4o' },
          { provider: 'primary', model: 'gpt-4o' },
          { provider: 'backup', model: 'gpt-4o' },
        ],
        sonnet: [{ provider: 'backup', model: 'claude-sonnet-4-5' }],
      },
      resilience: { retries: { maxRetries: 0 }, breaker: { consecutiveFailures: 3 } },
      cache: {},
      keys: {
        static: [
          { key: keys.alpha, name: 'alpha', team: 'alpha' },
          { key: keys.beta, name: 'beta', team: 'beta' },
        ],
      },
      // alice's cap refuses her dearer requests (held at 1,024 output tokens); the gateway-wide
      // alert (never refusing) is small enough for the traffic to cross 50, 80 and 100 %.
      caps: { users: { alice: 0.002 } },
      alerts: { globalDailyUsd: 0.0002 },
      database: target.database,
      traces: { enabled: true, spoolDir: target.spoolDir, flushIntervalMs: 100 },
      dashboard: { viewerKeys: [viewerKey], refreshSeconds: 3600 },
    });
    sql = await target.open();

    // Generated traffic: 4 features × 4 users × 3 models, two keys, repeated prompts (cache hits).
    const clients = {
      alpha: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: keys.alpha, maxRetries: 0 }),
      beta: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: keys.beta, maxRetries: 0 }),
    };
    const jobs: Array<() => Promise<void>> = [];
    for (let index = 0; index < 72; index += 1) {
      const feature = features[index % features.length] as string;
      const user = users[Math.floor(index / 3) % users.length] as string;
      const model = models[index % models.length] as string;
      const client = index % 3 === 0 ? clients.beta : clients.alpha;
      // Every fourth prompt repeats one from an earlier batch (same model and key) at temperature
      // 0: exact cache hits.
      const prompt = index % 4 === 3 && index >= 6 ? `question ${index - 6}` : `question ${index}`;
      jobs.push(async () => {
        try {
          await client.chat.completions
            .create(
              {
                model,
                temperature: 0,
                messages: [{ role: 'user', content: prompt }],
                stream: index % 2 === 0,
                ...(index % 2 === 0 ? { stream_options: { include_usage: true } } : {}),
              },
              { headers: { 'x-switchyard-feature': feature, 'x-switchyard-user': user } },
            )
            .then(async (answer) => {
              if (Symbol.asyncIterator in answer) for await (const _chunk of answer) void _chunk;
            });
        } catch {
          // Refusals (alice's cap) and all-failed chains are traffic too.
        }
        sent += 1;
      });
    }
    for (let start = 0; start < jobs.length; start += 4) {
      await Promise.all(jobs.slice(start, start + 4).map((job) => job()));
    }
    // Older traffic, written directly (rows and rollup), three days ago: only in the 7d range.
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString();
    await insertTraces(
      sql,
      Array.from({ length: 20 }, (_, index) => oldRecord(index, threeDaysAgo)),
    );
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ n: string }>(
          `SELECT count(*) AS n FROM llm_traces WHERE request_id NOT LIKE 'old-%'`,
        );
        return Number(rows[0]?.n) >= sent;
      },
      15_000,
      'every request traced',
    );
    // Alerts are stored from the limits channel within a second.
    await waitFor(
      async () => {
        const { rows } = await sql
          .query<{ n: string }>(`SELECT count(*) AS n FROM spend_alerts WHERE cap = 'global'`)
          .catch(() => ({ rows: [{ n: '0' }] }));
        return Number(rows[0]?.n) >= 1;
      },
      10_000,
      'spend alert stored',
    );

    userDataDir = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
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
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await sql?.close();
    await gateway?.close();
    await primary?.close();
    await backup?.close();
    await target?.cleanup();
  });

  const raw = async (selector: string) => {
    const value = await page.locator(selector).first().getAttribute('data-raw');
    assert.ok(value !== null && value !== '', `${selector} has a number`);
    return Number(value);
  };
  const near = (actual: number, expected: number, what: string) =>
    assert.ok(
      Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
      `${what}: page ${actual}, SQL ${expected}`,
    );

  it('asks for a key, then renders every panel with data matching SQL over llm_traces', async () => {
    const denied = await fetch(`${gateway.url}/admin/stats/overview`);
    assert.equal(denied.status, 401);
    await page.goto(`${gateway.url}/ui#range=24h`);
    await page.locator('#key-form').waitFor({ state: 'visible' });
    await page.fill('#key-input', viewerKey);
    await page.click('#key-form button');
    await page.waitForSelector('body[data-loaded-range="24h"]', { timeout: 30_000 });
    for (const name of panels) {
      const state = await page.locator(`section[data-panel="${name}"]`).getAttribute('data-state');
      assert.equal(state, 'data', `panel ${name} renders with data`);
    }
    assert.equal(
      (await page.locator('section[data-panel="spend-over-time"] canvas').count()) > 0,
      true,
    );

    const day = `time >= now() - interval '24 hours'`;
    const totals = (
      await sql.query<Record<string, string>>(
        `SELECT count(*) AS requests, sum(cost_usd) AS cost,
                count(*) FILTER (WHERE cache_status IN ('hit', 'semantic', 'exact')) AS hits,
                sum(cache_saved_usd) AS saved,
                count(*) FILTER (WHERE attempt_count > 1) AS fallbacks
           FROM llm_traces WHERE ${day}`,
      )
    ).rows[0] as Record<string, string>;
    const requests = Number(totals.requests);
    assert.equal(await raw('[data-value="requests"]'), requests);
    near(await raw('[data-value="total-cost"]'), Number(totals.cost), 'total spend');
    assert.ok(Number(totals.hits) > 0, 'the traffic has cache hits');
    assert.ok(Number(totals.fallbacks) > 0, 'the traffic has fallbacks');
    near(await raw('[data-value="cache-hit-rate"]'), Number(totals.hits) / requests, 'hit rate');
    near(await raw('[data-value="cache-saved"]'), Number(totals.saved), 'cache savings');
    near(
      await raw('[data-value="fallback-rate"]'),
      Number(totals.fallbacks) / requests,
      'fallback rate',
    );

    const byUser = await sql.query<{ name: string; cost: string; requests: string }>(
      `SELECT user_id AS name, sum(cost_usd) AS cost, count(*) AS requests FROM llm_traces
        WHERE ${day} GROUP BY 1`,
    );
    assert.equal(byUser.rows.length, users.length);
    for (const row of byUser.rows) {
      const cell = `section[data-panel="top-users"] tr[data-row="${row.name}"]`;
      near(await raw(`${cell} td[data-col="costUsd"]`), Number(row.cost), `spend of ${row.name}`);
      assert.equal(await raw(`${cell} td[data-col="requests"]`), Number(row.requests));
    }
    const byKey = await sql.query<{ name: string; cost: string }>(
      `SELECT key_id AS name, sum(cost_usd) AS cost FROM llm_traces WHERE ${day} GROUP BY 1`,
    );
    for (const row of byKey.rows) {
      near(
        await raw(
          `section[data-panel="top-keys"] tr[data-row="${row.name}"] td[data-col="costUsd"]`,
        ),
        Number(row.cost),
        `spend of key ${row.name}`,
      );
    }

    const latency = await sql.query<{ model: string; p50: number; p99: number }>(
      `SELECT coalesce(routed_model, requested_model) AS model,
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms)::numeric, 2)::float8 AS p50,
              round(percentile_cont(0.99) WITHIN GROUP (ORDER BY total_ms)::numeric, 2)::float8 AS p99
         FROM llm_traces WHERE ${day} AND status < 400 GROUP BY 1`,
    );
    assert.ok(latency.rows.length >= 3, 'several models');
    for (const row of latency.rows) {
      const cell = `section[data-panel="latency"] tr[data-row="${row.model}"]`;
      if (row.p50 !== null) {
        assert.ok(Math.abs((await raw(`${cell} td[data-col="ttft.p50"]`)) - row.p50) <= 0.011);
      }
      assert.ok(Math.abs((await raw(`${cell} td[data-col="total.p99"]`)) - row.p99) <= 0.011);
    }

    // Provider health: the deployment on a closed port has its breaker open.
    assert.equal(
      await page
        .locator(
          'section[data-panel="providers"] tr[data-row="gone/gpt-4o"] td[data-col="breaker.state"]',
        )
        .innerText(),
      'open',
    );
    // Caps: alice's spend today, from the rollup, equals SQL over the rows.
    const alice = await sql.query<{ cost: string }>(
      `SELECT sum(cost_usd) AS cost FROM llm_traces
        WHERE user_id = 'alice' AND time >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
    );
    near(
      await raw(
        'section[data-panel="caps"] tr[data-row="user:alice"] td[data-col="spentTodayUsd"]',
      ),
      Number(alice.rows[0]?.cost),
      "alice's cap use",
    );
    assert.ok(
      (await page.locator('section[data-panel="alerts"] tr[data-row^="global@"]').count()) >= 1,
      'the spend alerts are listed',
    );
    const supportCost = await sql.query<{ cost: string }>(
      `SELECT sum(cost_usd) AS cost FROM llm_traces WHERE ${day} AND feature = 'support'
          AND (cache_status IS NULL OR cache_status NOT IN ('hit', 'semantic', 'exact'))`,
    );
    const windowDays = await raw('[data-value="advisor-window-days"]');
    // 24 h from the start of the hour it began in (the rollup's grain) until now.
    assert.ok(windowDays >= 1 && windowDays <= 1 + 1 / 24 + 0.01, `advisor window ${windowDays}`);
    near(
      await raw(
        'section[data-panel="economics"] tr[data-row="support"] td[data-col="apiMonthlyUsd"]',
      ),
      (Number(supportCost.rows[0]?.cost) * (730 / 24)) / windowDays,
      'advisor API spend per month',
    );

    mkdirSync('artifacts', { recursive: true });
    await page.screenshot({ path: 'artifacts/dashboard.png', fullPage: true });
  });

  it('the time range picker changes the numbers (7d adds the older traffic, from the rollup)', async () => {
    const before24h = await raw('[data-value="total-cost"]');
    await page.click('button[data-range="7d"]');
    await page.waitForSelector('body[data-loaded-range="7d"]', { timeout: 30_000 });
    const since = `time >= date_trunc('day', (now() AT TIME ZONE 'UTC') - interval '7 days') AT TIME ZONE 'UTC'`;
    const week = (
      await sql.query<{ cost: string; requests: string }>(
        `SELECT sum(cost_usd) AS cost, count(*) AS requests FROM llm_traces WHERE ${since}`,
      )
    ).rows[0];
    const after7d = await raw('[data-value="total-cost"]');
    near(after7d, Number(week?.cost), '7-day spend');
    assert.equal(await raw('[data-value="requests"]'), Number(week?.requests));
    near(after7d - before24h, 20 * 0.5, 'the older rows add $10');
    assert.equal(
      await page.locator('section[data-panel="top-users"] tr[data-row="erin"]').count(),
      1,
      'erin (older traffic only) appears in the 7d range',
    );
    await page.screenshot({ path: 'artifacts/dashboard-7d.png', fullPage: true });
  });

  it('shows a request in flight, live, on its deployment', async () => {
    backup.setFaults({ hang: 'before-headers', count: 1, path: '/v1/chat/completions' });
    const controller = new AbortController();
    const pending = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.alpha}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hang' }] }),
      signal: controller.signal,
    }).catch(() => undefined);
    try {
      await waitFor(
        async () => {
          const response = await fetch(`${gateway.url}/admin/stats/live`, {
            headers: { authorization: `Bearer ${viewerKey}` },
          });
          const live = (await response.json()) as {
            inFlightByDeployment: Array<{ deployment: string; inFlight: number }>;
          };
          return live.inFlightByDeployment.some(
            (entry) => entry.deployment === 'backup/claude-sonnet-4-5' && entry.inFlight === 1,
          );
        },
        10_000,
        'the hanging request counted in flight',
      );
      await page.reload();
      await page.waitForSelector('body[data-loaded-range="7d"]', { timeout: 30_000 });
      assert.ok((await raw('[data-value="in-flight-total"]')) >= 1);
      assert.equal(
        await raw(
          'section[data-panel="in-flight"] tr[data-row="backup/claude-sonnet-4-5"] td[data-col="inFlight"]',
        ),
        1,
      );
    } finally {
      controller.abort();
      await pending;
      backup.clearFaults();
    }
  });
});

describe('stats API access rule', () => {
  const logger = pino({ level: 'silent' });
  function answer(config: Record<string, unknown>, authorization?: string) {
    const routes = createAdminStatsRoutes({
      config: parseConfig({ traces: { enabled: false }, ...config }, {}, 'test'),
      database: () => undefined,
      describeProviders: () => [],
      inFlightRequests: () => 0,
      logger,
    });
    return new Promise<number>((resolve) => {
      const request = {
        method: 'GET',
        url: '/admin/stats/live',
        headers: authorization ? { authorization } : {},
      } as unknown as IncomingMessage;
      const response = {
        writeHead(status: number) {
          resolve(status);
          return this;
        },
        end() {},
      } as unknown as ServerResponse;
      assert.equal(routes.handle(request, response, '/admin/stats/live'), true);
    });
  }

  it('without keys: served on a loopback bind only (200 here: traces off), 403 elsewhere', async () => {
    assert.equal(await answer({ server: { host: '127.0.0.1' } }), 200);
    assert.equal(await answer({ server: { host: '0.0.0.0' } }), 403);
    assert.equal(await answer({ server: { host: '10.1.2.3' } }), 403);
  });

  it('with a viewer or admin key: that bearer is needed, on any bind', async () => {
    const config = {
      server: { host: '0.0.0.0' },
      dashboard: { viewerKeys: [viewerKey] },
      admin: { apiKey: 'admin-key-0123456789abcdef' },
    };
    assert.equal(await answer(config), 401);
    assert.equal(await answer(config, 'Bearer wrong-key-0123456789abcdef'), 401);
    assert.equal(await answer(config, `Bearer ${viewerKey}`), 200);
    assert.equal(await answer(config, 'Bearer admin-key-0123456789abcdef'), 200);
    assert.equal(await answer({ ...config, server: { host: '127.0.0.1' } }), 401);
  });
});
