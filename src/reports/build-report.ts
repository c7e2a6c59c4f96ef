// The cost and latency report over the trace store (same SQL on PostgreSQL and PGlite): spend by
// feature / user / model / provider / key, the features that make 80 % of spend, TTFT and total
// latency percentiles, cache hit rate and the money it saved, fallback and error rates, daily spend.
// The CLI (`switchyard report`) and the dashboard share these queries.

import type { Database } from '../trace-store/database.js';

export type SpendDimension = 'feature' | 'user' | 'model' | 'provider' | 'key';

export interface SpendRow {
  name: string;
  requests: number;
  costUsd: number;
  /** Requests with usage whose model had no known price: their cost is missing from costUsd. */
  unpricedRequests: number;
  inputTokens: number;
  outputTokens: number;
  /** Share of the window's total spend (0…1). */
  share: number;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  count: number;
}

export interface Report {
  since: string;
  until: string;
  totals: {
    requests: number;
    costUsd: number;
    unpricedRequests: number;
    errors: number;
    inputTokens: number;
    outputTokens: number;
  };
  spend: Record<SpendDimension, SpendRow[]>;
  /** The fewest features whose spend reaches 80 % of the total, biggest first. */
  pareto: {
    features: Array<{ name: string; costUsd: number; cumulativeShare: number }>;
    featureCount: number;
  };
  latencyMs: { ttft: Percentiles; total: Percentiles; overhead: Percentiles };
  cache: { lookups: number; hits: number; hitRate: number | null; savedUsd: number };
  fallbacks: { requests: number; fallbacks: number; rate: number | null };
  errorRate: number | null;
  daily: Array<{ day: string; requests: number; costUsd: number }>;
}

const dimensionColumns: Record<SpendDimension, string> = {
  feature: 'feature',
  user: 'user_id',
  model: 'coalesce(routed_model, requested_model)',
  provider: 'provider',
  key: 'key_id',
};

const hitStatuses = `('hit', 'semantic', 'exact')`;

/** Parses `7d`, `24h`, `30m` or an ISO date into the window's start. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const match = /^(\d+)\s*([dhm])$/.exec(text.trim());
  if (match) {
    const amount = Number(match[1]);
    const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - amount * unitMs);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new Error(`--since: expected a duration like 7d, 24h, 30m or a date, got '${text}'`);
  }
  return date;
}

const toNumber = (value: unknown): number => (value === null ? 0 : Number(value));
const toNullable = (value: unknown): number | null =>
  value === null || value === undefined ? null : Math.round(Number(value) * 100) / 100;

async function percentiles(
  database: Database,
  column: string,
  window: unknown[],
): Promise<Percentiles> {
  const { rows } = await database.query<{ p50: unknown; p95: unknown; p99: unknown; n: unknown }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ${column}) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ${column}) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ${column}) AS p99,
            count(${column}) AS n
       FROM llm_traces
      WHERE time >= $1 AND time < $2 AND status < 400 AND ${column} IS NOT NULL`,
    window,
  );
  const row = rows[0];
  return {
    p50: toNullable(row?.p50),
    p95: toNullable(row?.p95),
    p99: toNullable(row?.p99),
    count: toNumber(row?.n),
  };
}

export async function buildReport(
  database: Database,
  options: { since: Date; until?: Date; top?: number },
): Promise<Report> {
  const until = options.until ?? new Date(Date.now() + 1000);
  const window = [options.since.toISOString(), until.toISOString()];
  const top = options.top ?? 10;

  const totalsResult = await database.query<Record<string, unknown>>(
    `SELECT count(*) AS requests, coalesce(sum(cost_usd), 0) AS cost,
            count(*) FILTER (WHERE cost_usd IS NULL AND input_tokens + output_tokens > 0) AS unpriced,
            count(*) FILTER (WHERE status >= 400) AS errors,
            coalesce(sum(input_tokens), 0) AS input, coalesce(sum(output_tokens), 0) AS output,
            count(*) FILTER (WHERE cache_status IN ('hit', 'semantic', 'exact', 'miss')) AS lookups,
            count(*) FILTER (WHERE cache_status IN ${hitStatuses}) AS hits,
            coalesce(sum(cache_saved_usd), 0) AS saved,
            count(*) FILTER (WHERE attempt_count >= 1) AS attempted,
            count(*) FILTER (WHERE attempt_count > 1 AND deployment IS NOT NULL) AS fallbacks
       FROM llm_traces WHERE time >= $1 AND time < $2`,
    window,
  );
  const totalsRow = totalsResult.rows[0] ?? {};
  const totalCost = toNumber(totalsRow.cost);
  const requests = toNumber(totalsRow.requests);

  const spend = {} as Record<SpendDimension, SpendRow[]>;
  for (const [dimension, column] of Object.entries(dimensionColumns) as Array<
    [SpendDimension, string]
  >) {
    const { rows } = await database.query<Record<string, unknown>>(
      `SELECT coalesce(${column}, '(none)') AS name, count(*) AS requests,
              coalesce(sum(cost_usd), 0) AS cost,
              count(*) FILTER (WHERE cost_usd IS NULL AND input_tokens + output_tokens > 0) AS unpriced,
              coalesce(sum(input_tokens), 0) AS input, coalesce(sum(output_tokens), 0) AS output
         FROM llm_traces WHERE time >= $1 AND time < $2
        GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT $3`,
      [...window, top],
    );
    spend[dimension] = rows.map((row) => ({
      name: String(row.name),
      requests: toNumber(row.requests),
      costUsd: toNumber(row.cost),
      unpricedRequests: toNumber(row.unpriced),
      inputTokens: toNumber(row.input),
      outputTokens: toNumber(row.output),
      share: totalCost > 0 ? toNumber(row.cost) / totalCost : 0,
    }));
  }

  // 80/20: every feature by spend, cut where the running total first reaches 80 %.
  const featureRows = await database.query<{ name: string; cost: unknown }>(
    `SELECT coalesce(feature, '(none)') AS name, coalesce(sum(cost_usd), 0) AS cost
       FROM llm_traces WHERE time >= $1 AND time < $2
      GROUP BY 1 ORDER BY 2 DESC, 1`,
    window,
  );
  const paretoFeatures: Report['pareto']['features'] = [];
  let running = 0;
  for (const row of featureRows.rows) {
    const cost = toNumber(row.cost);
    if (totalCost <= 0 || cost <= 0) break;
    running += cost;
    paretoFeatures.push({ name: row.name, costUsd: cost, cumulativeShare: running / totalCost });
    if (running / totalCost >= 0.8 - 1e-12) break;
  }

  const daily = await database.query<{ day: unknown; requests: unknown; cost: unknown }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(requests) AS requests, sum(cost_usd) AS cost
       FROM llm_traces_daily WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date
      GROUP BY day ORDER BY day`,
    [window[0]],
  );

  const lookups = toNumber(totalsRow.lookups);
  const hits = toNumber(totalsRow.hits);
  const attempted = toNumber(totalsRow.attempted);
  const fallbacks = toNumber(totalsRow.fallbacks);
  return {
    since: window[0] as string,
    until: window[1] as string,
    totals: {
      requests,
      costUsd: totalCost,
      unpricedRequests: toNumber(totalsRow.unpriced),
      errors: toNumber(totalsRow.errors),
      inputTokens: toNumber(totalsRow.input),
      outputTokens: toNumber(totalsRow.output),
    },
    spend,
    pareto: { features: paretoFeatures, featureCount: featureRows.rows.length },
    latencyMs: {
      ttft: await percentiles(database, 'ttft_ms', window),
      total: await percentiles(database, 'total_ms', window),
      overhead: await percentiles(database, 'overhead_ms', window),
    },
    cache: {
      lookups,
      hits,
      hitRate: lookups > 0 ? hits / lookups : null,
      savedUsd: toNumber(totalsRow.saved),
    },
    fallbacks: {
      requests: attempted,
      fallbacks,
      rate: attempted > 0 ? fallbacks / attempted : null,
    },
    errorRate: requests > 0 ? toNumber(totalsRow.errors) / requests : null,
    daily: daily.rows.map((row) => ({
      day: String(row.day),
      requests: toNumber(row.requests),
      costUsd: toNumber(row.cost),
    })),
  };
}
