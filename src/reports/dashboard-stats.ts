// The dashboard's numbers (GET /admin/stats/overview): spend over time by feature, top users and
// keys, the 80/20 of spend, latency by model, cache hits and savings, fallback rate. They read the
// dashboard's rollups (src/reports/dashboard-migrations.ts), so the page stays fast at millions of
// rows. Windows up to 48 hours are widened to whole UTC hours and bucketed by hour; their top users
// and keys and their exact latency percentiles come from llm_traces (by its time index, bounded to
// the latest `latencySampleRows` successful requests). Longer windows are widened to whole UTC days
// and read only rollups; their percentiles come from ~5 %-wide latency histograms.

import type { Database } from '../trace-store/database.js';
import { latencyBucketsPerE } from './dashboard-migrations.js';

export interface StatsWindow {
  since: string;
  until: string;
  /** 'hour': whole UTC hours (windows up to 48 h); 'day': whole UTC days. */
  granularity: 'hour' | 'day';
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
  latency: {
    models: ModelLatency[];
    /** exact: percentile_cont over the rows; histogram: from ~5 %-wide buckets (long windows). */
    method: 'exact' | 'histogram';
    sampled: boolean;
    sampleRows: number;
  };
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
const iso = (date: Date) => date.toISOString().replace('.000Z', 'Z');

function floorTo(date: Date, unitMs: number): Date {
  return new Date(Math.floor(date.getTime() / unitMs) * unitMs);
}
function ceilTo(date: Date, unitMs: number): Date {
  return new Date(Math.ceil(date.getTime() / unitMs) * unitMs);
}

/**
 * The window as the stats answer it: up to 48 h widened to whole UTC hours, longer to whole UTC
 * days (the start's midnight to the midnight after the end).
 */
export function statsWindow(since: Date, until: Date): StatsWindow {
  const hourly = until.getTime() - since.getTime() <= rawLimitMs;
  const unitMs = hourly ? 3_600_000 : 86_400_000;
  return {
    since: iso(floorTo(since, unitMs)),
    until: iso(ceilTo(until, unitMs)),
    granularity: hourly ? 'hour' : 'day',
  };
}

/** The hourly rollup over the window, bucketed by the window's granularity. */
function factsSql(window: StatsWindow): string {
  return `facts AS (
  SELECT date_trunc('${window.granularity}', hour AT TIME ZONE 'UTC') AS bucket, feature, model,
         requests, errors, fallbacks, cache_hits, cost_usd, cache_saved_usd, input_tokens, output_tokens
    FROM dashboard_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz)`;
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

  // One pass over the rollup: (bucket, feature, model) cells; totals, series, features and
  // models are summed from them here (a few thousand cells even for 30 days).
  const cells = (
    await database.query<Record<string, unknown>>(
      `${withFacts}
       SELECT to_char(bucket, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS bucket, feature, model,
              sum(requests) AS requests, sum(cost_usd) AS cost, sum(errors) AS errors,
              sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cache_hits) AS hits,
              sum(cache_saved_usd) AS saved, sum(fallbacks) AS fallbacks
         FROM facts GROUP BY 1, 2, 3`,
      params,
    )
  ).rows;
  const totalsRow = {
    requests: 0,
    cost: 0,
    errors: 0,
    input: 0,
    output: 0,
    hits: 0,
    saved: 0,
    fallbacks: 0,
  };
  const featureCost = new Map<string, number>();
  const models = new Map<string, Record<string, number>>();
  for (const cell of cells) {
    for (const field of Object.keys(totalsRow) as Array<keyof typeof totalsRow>) {
      totalsRow[field] += n(cell[field]);
    }
    const feature = String(cell.feature);
    featureCost.set(feature, (featureCost.get(feature) ?? 0) + n(cell.cost));
    const model = models.get(String(cell.model)) ?? { requests: 0, cost: 0, input: 0, output: 0 };
    model.requests = (model.requests ?? 0) + n(cell.requests);
    model.cost = (model.cost ?? 0) + n(cell.cost);
    model.input = (model.input ?? 0) + n(cell.input);
    model.output = (model.output ?? 0) + n(cell.output);
    models.set(String(cell.model), model);
  }
  const requests = totalsRow.requests;
  const totalCost = totalsRow.cost;
  const byCost = (a: { name: string; cost: number; requests?: number }, b: typeof a) =>
    b.cost - a.cost || (b.requests ?? 0) - (a.requests ?? 0) || a.name.localeCompare(b.name);
  const featureRows = [...featureCost].map(([name, cost]) => ({ name, cost })).sort(byCost);

  async function spendBy(kind: 'user' | 'key'): Promise<NamedSpend[]> {
    const column = kind === 'user' ? 'user_id' : 'key_id';
    const { rows } = await database.query<Record<string, unknown>>(
      window.granularity === 'hour'
        ? `SELECT coalesce(${column}, '') AS name, count(*) AS requests,
                  coalesce(sum(cost_usd), 0) AS cost, sum(input_tokens) AS input,
                  sum(output_tokens) AS output
             FROM llm_traces WHERE time >= $1::timestamptz AND time < $2::timestamptz
            GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT $3`
        : `SELECT name, sum(requests) AS requests, sum(cost_usd) AS cost,
                  sum(input_tokens) AS input, sum(output_tokens) AS output
             FROM dashboard_daily_subjects
            WHERE kind = '${kind}' AND day >= ($1::timestamptz AT TIME ZONE 'UTC')::date
              AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date
            GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT $3`,
      [...params, top],
    );
    return rows.map(toNamed);
  }

  function byModel(): NamedSpend[] {
    return [...models]
      .map(([name, sums]) => ({ name, ...sums, cost: sums.cost ?? 0 }))
      .sort(byCost)
      .slice(0, top)
      .map(toNamed);
  }

  const toNamed = (row: Record<string, unknown>): NamedSpend => ({
    name: label(row.name),
    requests: n(row.requests),
    costUsd: n(row.cost),
    inputTokens: n(row.input),
    outputTokens: n(row.output),
    share: totalCost > 0 ? n(row.cost) / totalCost : 0,
  });

  // Every bucket of the window, empty ones included, so the chart's time axis is even.
  const stepMs = window.granularity === 'hour' ? 3_600_000 : 86_400_000;
  const buckets: string[] = [];
  for (let time = Date.parse(window.since); time < Date.parse(window.until); time += stepMs) {
    buckets.push(new Date(time).toISOString().replace('.000Z', 'Z'));
  }
  const bucketIndex = new Map(buckets.map((bucket, index) => [bucket, index]));
  const seriesNames = featureRows.slice(0, seriesLimit).map((row) => row.name);
  const series = new Map<string, number[]>(
    seriesNames.map((name) => [name, new Array<number>(buckets.length).fill(0)]),
  );
  const other = new Array<number>(buckets.length).fill(0);
  let hasOther = false;
  for (const row of cells) {
    const index = bucketIndex.get(String(row.bucket));
    if (index === undefined) continue;
    const values = series.get(String(row.feature));
    if (values) values[index] = (values[index] ?? 0) + n(row.cost);
    else {
      other[index] = (other[index] ?? 0) + n(row.cost);
      hasOther = true;
    }
  }

  const curve: OverviewStats['pareto']['curve'] = [];
  const paretoFeatures: OverviewStats['pareto']['features'] = [];
  let running = 0;
  for (const row of featureRows) {
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

  const latency =
    window.granularity === 'hour'
      ? await latencyByModel(database, {
          since: window.since,
          until: window.until,
          sampleRows: options.latencySampleRows ?? 200_000,
        })
      : await latencyFromHistograms(database, window);

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
    topUsers: await spendBy('user'),
    topKeys: await spendBy('key'),
    byModel: byModel(),
    pareto: { features: paretoFeatures, featureCount: featureRows.length, curve },
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
    method: 'exact',
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

/** Percentile of a histogram: the geometric middle of the bucket where the rank falls. */
function histogramPercentile(buckets: Array<[number, number]>, total: number, q: number) {
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= rank) return Math.round(Math.exp((bucket + 0.5) / latencyBucketsPerE) * 100) / 100;
  }
  return null;
}

/** TTFT and total p50/p95/p99 per model from the daily latency histograms (±~2.5 %). */
export async function latencyFromHistograms(
  database: Database,
  window: StatsWindow,
): Promise<OverviewStats['latency']> {
  const { rows } = await database.query<{
    model: string;
    metric: string;
    bucket: unknown;
    requests: unknown;
  }>(
    `SELECT model, metric, bucket, sum(requests) AS requests FROM dashboard_latency_daily
      WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date
        AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [window.since, window.until],
  );
  const byModel = new Map<string, Record<string, Array<[number, number]>>>();
  for (const row of rows) {
    const entry = byModel.get(row.model) ?? { ttft: [], total: [] };
    byModel.set(row.model, entry);
    (entry[row.metric] ??= []).push([n(row.bucket), n(row.requests)]);
  }
  const summarise = (buckets: Array<[number, number]> = []) => {
    const count = buckets.reduce((sum, [, value]) => sum + value, 0);
    return {
      p50: histogramPercentile(buckets, count, 0.5),
      p95: histogramPercentile(buckets, count, 0.95),
      p99: histogramPercentile(buckets, count, 0.99),
      count,
    };
  };
  const models = [...byModel].map(([model, metrics]) => {
    const total = summarise(metrics.total);
    return { model: label(model), requests: total.count, ttft: summarise(metrics.ttft), total };
  });
  models.sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
  return { method: 'histogram', sampled: false, sampleRows: 0, models };
}
