// The dashboard's numbers (GET /admin/stats/overview): spend over time by feature, top users and
// keys, the 80/20 of spend, latency by model, cache hits and savings, fallback rate. Windows up to
// 48 hours read llm_traces (hourly buckets, by its time index); longer windows read the daily
// rollup llm_traces_daily (whole UTC days), so the page stays fast at millions of rows. Latency
// percentiles need the rows themselves: they read llm_traces over the exact window, bounded to the
// latest `latencySampleRows` successful requests (the answer says when the bound was hit).

import type { Database } from '../trace-store/database.js';

/** Cache statuses that served the answer without an upstream call (as src/reports/build-report.ts). */
const hitStatuses = `('hit', 'semantic', 'exact')`;

export interface StatsWindow {
  since: string;
  until: string;
  /** 'hour' buckets from llm_traces, or 'day' buckets (UTC) from the daily rollup. */
  granularity: 'hour' | 'day';
  source: 'llm_traces' | 'llm_traces_daily';
}

export interface NamedSpend {
  name: string;
  requests: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  share: number;
}

export interface ModelLatency {
  model: string;
  requests: number;
  ttft: { p50: number | null; p95: number | null; p99: number | null; count: number };
  total: { p50: number | null; p95: number | null; p99: number | null; count: number };
}

export interface OverviewStats {
  window: StatsWindow;
  totals: {
    requests: number;
    costUsd: number;
    errors: number;
    inputTokens: number;
    outputTokens: number;
    cacheHits: number;
    cacheHitRate: number | null;
    cacheSavedUsd: number;
    fallbacks: number;
    fallbackRate: number | null;
  };
  /** Buckets (ISO start) × series (top features by spend, the rest summed as "(other)"). */
  spendOverTime: { buckets: string[]; series: Array<{ name: string; costUsd: number[] }> };
  topUsers: NamedSpend[];
  topKeys: NamedSpend[];
  byModel: NamedSpend[];
  pareto: {
    /** The fewest features whose spend reaches 80 % of the total, biggest first. */
    features: Array<{ name: string; costUsd: number; cumulativeShare: number }>;
    featureCount: number;
    /** Every feature by spend with its cumulative share (the curve). */
    curve: Array<{ name: string; costUsd: number; cumulativeShare: number }>;
  };
  latency: { models: ModelLatency[]; sampled: boolean; sampleRows: number };
}

export interface OverviewOptions {
  since: Date;
  until?: Date;
  top?: number;
  /** Series in the stacked chart before the rest is summed as "(other)". */
  seriesLimit?: number;
  latencySampleRows?: number;
}

const rawLimitMs = 48 * 3_600_000;
const n = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
const rounded = (value: unknown) =>
  value === null || value === undefined ? null : Math.round(Number(value) * 100) / 100;
const dayStart = (date: Date) =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));

/**
 * The window as the stats answer it: up to 48 h exact and hourly from llm_traces; longer, widened
 * to whole UTC days (the start day's midnight to the end day's next midnight) from the rollup.
 */
export function statsWindow(since: Date, until: Date): StatsWindow {
  if (until.getTime() - since.getTime() <= rawLimitMs) {
    return {
      since: since.toISOString(),
      until: until.toISOString(),
      granularity: 'hour',
      source: 'llm_traces',
    };
  }
  const end = dayStart(new Date(until.getTime() - 1));
  end.setUTCDate(end.getUTCDate() + 1);
  return {
    since: dayStart(since).toISOString(),
    until: end.toISOString(),
    granularity: 'day',
    source: 'llm_traces_daily',
  };
}

/** One row per fact (a trace, or a rollup cell) with the same columns, over the window. */
function factsSql(window: StatsWindow): string {
  if (window.source === 'llm_traces') {
    return `facts AS (
  SELECT date_trunc('hour', time AT TIME ZONE 'UTC') AS bucket, coalesce(feature, '') AS feature,
         coalesce(user_id, '') AS user_id, coalesce(key_id, '') AS key_id,
         coalesce(routed_model, requested_model, '') AS model, 1 AS requests,
         CASE WHEN status >= 400 OR error_code IS NOT NULL THEN 1 ELSE 0 END AS errors,
         CASE WHEN attempt_count > 1 THEN 1 ELSE 0 END AS fallbacks,
         CASE WHEN cache_status IN ${hitStatuses} THEN 1 ELSE 0 END AS cache_hits,
         coalesce(cost_usd, 0) AS cost_usd, coalesce(cache_saved_usd, 0) AS cache_saved_usd,
         input_tokens, output_tokens
    FROM llm_traces WHERE time >= $1::timestamptz AND time < $2::timestamptz)`;
  }
  return `facts AS (
  SELECT day::timestamp AS bucket, feature, user_id, key_id, model, requests, errors, fallbacks,
         cache_hits, cost_usd, cache_saved_usd, input_tokens, output_tokens
    FROM llm_traces_daily
   WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date
     AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date)`;
}

const label = (name: unknown): string =>
  typeof name === 'string' && name !== ''
    ? name
    : typeof name === 'number'
      ? String(name)
      : '(none)';

export async function buildOverviewStats(
  database: Database,
  options: OverviewOptions,
): Promise<OverviewStats> {
  const until = options.until ?? new Date(Date.now() + 1000);
  const window = statsWindow(options.since, until);
  const params = [window.since, window.until];
  const withFacts = `WITH ${factsSql(window)}`;
  const top = options.top ?? 10;
  const seriesLimit = options.seriesLimit ?? 8;

  const totalsRows = await database.query<Record<string, unknown>>(
    `${withFacts}
     SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(cost_usd), 0) AS cost,
            coalesce(sum(errors), 0) AS errors, coalesce(sum(input_tokens), 0) AS input,
            coalesce(sum(output_tokens), 0) AS output, coalesce(sum(cache_hits), 0) AS hits,
            coalesce(sum(cache_saved_usd), 0) AS saved, coalesce(sum(fallbacks), 0) AS fallbacks
       FROM facts`,
    params,
  );
  const totalsRow = totalsRows.rows[0] ?? {};
  const requests = n(totalsRow.requests);
  const totalCost = n(totalsRow.cost);

  async function spendBy(column: string): Promise<NamedSpend[]> {
    const { rows } = await database.query<Record<string, unknown>>(
      `${withFacts}
       SELECT ${column} AS name, sum(requests) AS requests, sum(cost_usd) AS cost,
              sum(input_tokens) AS input, sum(output_tokens) AS output
         FROM facts GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT $3`,
      [...params, top],
    );
    return rows.map((row) => ({
      name: label(row.name),
      requests: n(row.requests),
      costUsd: n(row.cost),
      inputTokens: n(row.input),
      outputTokens: n(row.output),
      share: totalCost > 0 ? n(row.cost) / totalCost : 0,
    }));
  }

  const seriesRows = await database.query<{ bucket: unknown; feature: string; cost: unknown }>(
    `${withFacts}
     SELECT to_char(bucket, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS bucket, feature, sum(cost_usd) AS cost
       FROM facts GROUP BY 1, 2 ORDER BY 1`,
    params,
  );
  const featureRows = await database.query<{ name: string; cost: unknown }>(
    `${withFacts}
     SELECT feature AS name, sum(cost_usd) AS cost FROM facts GROUP BY 1 ORDER BY 2 DESC, 1`,
    params,
  );

  // Every bucket of the window, empty ones included, so the chart's time axis is even.
  const stepMs = window.granularity === 'hour' ? 3_600_000 : 86_400_000;
  const first = new Date(window.since);
  if (window.granularity === 'hour') first.setUTCMinutes(0, 0, 0);
  const buckets: string[] = [];
  for (let time = first.getTime(); time < Date.parse(window.until); time += stepMs) {
    buckets.push(new Date(time).toISOString().replace('.000Z', 'Z'));
  }
  const bucketIndex = new Map(buckets.map((bucket, index) => [bucket, index]));
  const seriesNames = featureRows.rows.slice(0, seriesLimit).map((row) => row.name);
  const series = new Map<string, number[]>(
    seriesNames.map((name) => [name, new Array<number>(buckets.length).fill(0)]),
  );
  const other = new Array<number>(buckets.length).fill(0);
  let hasOther = false;
  for (const row of seriesRows.rows) {
    const index = bucketIndex.get(String(row.bucket));
    if (index === undefined) continue;
    const values = series.get(row.feature);
    if (values) values[index] = (values[index] ?? 0) + n(row.cost);
    else {
      other[index] = (other[index] ?? 0) + n(row.cost);
      hasOther = true;
    }
  }

  const curve: OverviewStats['pareto']['curve'] = [];
  const paretoFeatures: OverviewStats['pareto']['features'] = [];
  let running = 0;
  for (const row of featureRows.rows) {
    const cost = n(row.cost);
    if (totalCost <= 0 || cost <= 0) break;
    running += cost;
    const entry = { name: label(row.name), costUsd: cost, cumulativeShare: running / totalCost };
    curve.push(entry);
    if (
      paretoFeatures.length === 0 ||
      (paretoFeatures.at(-1)?.cumulativeShare ?? 0) < 0.8 - 1e-12
    ) {
      paretoFeatures.push(entry);
    }
  }

  const sampleRows = options.latencySampleRows ?? 200_000;
  const latency = await latencyByModel(database, {
    since: options.since.toISOString(),
    until: until.toISOString(),
    sampleRows,
  });

  const hits = n(totalsRow.hits);
  const fallbacks = n(totalsRow.fallbacks);
  return {
    window,
    totals: {
      requests,
      costUsd: totalCost,
      errors: n(totalsRow.errors),
      inputTokens: n(totalsRow.input),
      outputTokens: n(totalsRow.output),
      cacheHits: hits,
      cacheHitRate: requests > 0 ? hits / requests : null,
      cacheSavedUsd: n(totalsRow.saved),
      fallbacks,
      fallbackRate: requests > 0 ? fallbacks / requests : null,
    },
    spendOverTime: {
      buckets,
      series: [
        ...seriesNames.map((name) => ({ name: label(name), costUsd: series.get(name) ?? [] })),
        ...(hasOther ? [{ name: '(other)', costUsd: other }] : []),
      ],
    },
    topUsers: await spendBy('user_id'),
    topKeys: await spendBy('key_id'),
    byModel: await spendBy('model'),
    pareto: { features: paretoFeatures, featureCount: featureRows.rows.length, curve },
    latency,
  };
}

/**
 * TTFT and total latency p50/p95/p99 per model over successful requests of the exact window (as
 * `switchyard report` computes them), over at most the latest `sampleRows` of them.
 */
export async function latencyByModel(
  database: Database,
  options: { since: string; until: string; sampleRows: number },
): Promise<OverviewStats['latency']> {
  const { rows } = await database.query<Record<string, unknown>>(
    `WITH recent AS (
       SELECT coalesce(routed_model, requested_model, '') AS model, ttft_ms, total_ms
         FROM llm_traces
        WHERE time >= $1 AND time < $2 AND status < 400
        ORDER BY time DESC LIMIT $3)
     SELECT model, count(*) AS requests,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p99,
            count(ttft_ms) AS ttft_n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS total_p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY total_ms) AS total_p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY total_ms) AS total_p99,
            count(total_ms) AS total_n
       FROM recent GROUP BY 1 ORDER BY 2 DESC, 1`,
    [options.since, options.until, options.sampleRows + 1],
  );
  const counted = rows.reduce((sum, row) => sum + n(row.requests), 0);
  const sampled = counted > options.sampleRows;
  return {
    sampled,
    sampleRows: options.sampleRows,
    models: rows.map((row) => ({
      model: label(row.model),
      requests: n(row.requests),
      ttft: {
        p50: rounded(row.ttft_p50),
        p95: rounded(row.ttft_p95),
        p99: rounded(row.ttft_p99),
        count: n(row.ttft_n),
      },
      total: {
        p50: rounded(row.total_p50),
        p95: rounded(row.total_p95),
        p99: rounded(row.total_p99),
        count: n(row.total_n),
      },
    })),
  };
}
