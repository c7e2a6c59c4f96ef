// The economics advisor: from real traffic in the trace store, per feature, the monthly token
// volume, the API spend, the hour-of-day load profile, and what the same traffic would cost on a
// self-hosted replica pool sized for its peak hour. `switchyard economics --from-traces` and the
// dashboard's economics panel share it.

import type { GpuPreset } from '../config/dashboard-schema.js';
import type { Database } from '../trace-store/database.js';
import { computeEconomics, hoursPerMonth } from './economics.js';

export interface AdvisorOptions {
  since: Date;
  until?: Date;
  preset: GpuPreset & { name: string };
  /** Utilisation a replica is planned at during the peak hour (0…1]. */
  targetUtilisation: number;
  /** Providers already self-hosted: their traffic is left out (it is not API spend). */
  excludeProviders?: readonly string[];
}

export interface FeatureAdvice {
  feature: string;
  requests: number;
  tokensInWindow: number;
  apiSpendInWindowUsd: number;
  tokensPerMonth: number;
  apiMonthlyUsd: number;
  /** What the feature pays now per 1M tokens (its recorded cost ÷ its tokens). */
  apiPerMTok: number | null;
  /** Average tokens/s for each UTC hour of the day (0…23) over the window. */
  hourProfile: number[];
  averageTokensPerSecond: number;
  peakTokensPerSecond: number;
  peakHourUtc: number;
  replicas: number;
  selfHostedMonthlyUsd: number;
  /** How busy those replicas would really be on this traffic (average over the day). */
  effectiveUtilisation: number;
  selfHostedPerMTok: number;
  /** apiMonthlyUsd − selfHostedMonthlyUsd; > 0: self-hosting would save this much a month. */
  monthlySavingUsd: number;
  crossesBreakEven: boolean;
  /** Monthly tokens at which one always-on replica costs what the API charges at apiPerMTok. */
  breakEvenTokensPerMonth: number | null;
}

export interface AdvisorReport {
  since: string;
  until: string;
  windowDays: number;
  preset: GpuPreset & { name: string };
  targetUtilisation: number;
  features: FeatureAdvice[];
  assumptions: string[];
}

export async function buildEconomicsAdvice(
  database: Database,
  options: AdvisorOptions,
): Promise<AdvisorReport> {
  // Whole UTC hours (the rollup's grain): the start hour through the end of the current hour.
  const since = new Date(Math.floor(options.since.getTime() / 3_600_000) * 3_600_000);
  const until = options.until ?? new Date();
  const queryUntil = new Date(Math.ceil(until.getTime() / 3_600_000) * 3_600_000);
  const windowMs = until.getTime() - since.getTime();
  if (!(windowMs > 0)) throw new RangeError('the window must end after it starts');
  const windowDays = windowMs / 86_400_000;
  const exclude = [...(options.excludeProviders ?? [])];
  // The hourly rollup (src/reports/dashboard-migrations.ts): cache hits are already counted apart.
  const { rows } = await database.query<{
    feature: string;
    hour: unknown;
    requests: unknown;
    tokens: unknown;
    cost: unknown;
  }>(
    `SELECT CASE WHEN feature = '' THEN '(none)' ELSE feature END AS feature,
            extract(hour FROM hour AT TIME ZONE 'UTC')::int AS hour,
            sum(uncached_requests) AS requests, sum(uncached_tokens) AS tokens,
            sum(cost_usd) AS cost
       FROM dashboard_hourly
      WHERE hour >= $1 AND hour < $2 AND NOT (provider = ANY($3::text[]))
      GROUP BY 1, 2 HAVING sum(uncached_requests) > 0`,
    [since.toISOString(), queryUntil.toISOString(), exclude],
  );

  const byFeature = new Map<
    string,
    { requests: number; tokens: number; cost: number; hours: number[] }
  >();
  for (const row of rows) {
    let entry = byFeature.get(row.feature);
    if (!entry) {
      entry = { requests: 0, tokens: 0, cost: 0, hours: new Array<number>(24).fill(0) };
      byFeature.set(row.feature, entry);
    }
    const tokens = Number(row.tokens);
    entry.requests += Number(row.requests);
    entry.tokens += tokens;
    entry.cost += Number(row.cost);
    entry.hours[Number(row.hour)] = (entry.hours[Number(row.hour)] ?? 0) + tokens;
  }

  const preset = options.preset;
  const monthScale = hoursPerMonth / 24 / windowDays;
  const features: FeatureAdvice[] = [];
  for (const [feature, entry] of byFeature) {
    // Each hour of the day occurs windowDays times in the window (on average).
    const hourProfile = entry.hours.map((tokens) => tokens / windowDays / 3600);
    const averageTokensPerSecond = entry.tokens / (windowDays * 86_400);
    const peakTokensPerSecond = Math.max(...hourProfile);
    const peakHourUtc = hourProfile.indexOf(peakTokensPerSecond);
    const tokensPerMonth = entry.tokens * monthScale;
    const apiMonthlyUsd = entry.cost * monthScale;
    const apiPerMTok = entry.tokens > 0 ? (entry.cost / entry.tokens) * 1_000_000 : null;
    const result = computeEconomics({
      tokensPerMonth,
      gpuHourUsd: preset.gpuHourUsd,
      gpusPerReplica: preset.gpusPerReplica,
      tokensPerSecondPerReplica: preset.tokensPerSecond,
      utilisation: options.targetUtilisation,
      apiPricePerMTok: apiPerMTok ?? 0,
      peakToMean: averageTokensPerSecond > 0 ? peakTokensPerSecond / averageTokensPerSecond : 1,
    });
    const selfHostedMonthlyUsd = result.volume.selfHostedMonthlyUsd;
    features.push({
      feature,
      requests: entry.requests,
      tokensInWindow: entry.tokens,
      apiSpendInWindowUsd: entry.cost,
      tokensPerMonth,
      apiMonthlyUsd,
      apiPerMTok,
      hourProfile,
      averageTokensPerSecond,
      peakTokensPerSecond,
      peakHourUtc,
      replicas: result.volume.replicasForPeak,
      selfHostedMonthlyUsd,
      effectiveUtilisation: result.volume.effectiveUtilisation,
      selfHostedPerMTok: result.volume.effectivePerMTok,
      monthlySavingUsd: apiMonthlyUsd - selfHostedMonthlyUsd,
      crossesBreakEven: apiMonthlyUsd > selfHostedMonthlyUsd,
      breakEvenTokensPerMonth: apiPerMTok && apiPerMTok > 0 ? result.breakEvenTokensPerMonth : null,
    });
  }
  features.sort(
    (a, b) => b.monthlySavingUsd - a.monthlySavingUsd || a.feature.localeCompare(b.feature),
  );

  return {
    since: since.toISOString(),
    until: until.toISOString(),
    windowDays,
    preset,
    targetUtilisation: options.targetUtilisation,
    features,
    assumptions: [
      `Monthly figures scale the ${windowDays.toFixed(1)}-day window to ${hoursPerMonth} hours (${(hoursPerMonth / 24).toFixed(2)} days); growth and seasonality beyond the window are not modelled.`,
      `Self-hosted: ${preset.description ?? preset.name} at ${preset.tokensPerSecond} tokens/s sustained per replica (all token classes alike), ${preset.gpusPerReplica} GPU(s) at $${preset.gpuHourUsd}/h each; these are the preset's figures, not a measurement of your model: measure yours.`,
      `Replicas are sized for the busiest UTC hour of the day (its average, not its busiest minute) at ${(options.targetUtilisation * 100).toFixed(0)}% utilisation, and stay on all month (no scale-to-zero); the saving uses their full cost, so idle hours count.`,
      'Only GPU time is counted: no engineering or operations time, storage, egress, or headroom for failover.',
      'It assumes a model of the preset size serves the feature at acceptable quality; check with an evaluation before moving traffic.',
      'Cache hits are left out (they cost neither side); input tokens count whole (a prefix cache on the self-hosted side would make it somewhat cheaper).',
      `API spend is the recorded cost of each request (cached-input discounts included); requests on a model with no known price count $0.${options.excludeProviders && options.excludeProviders.length > 0 ? ` Traffic of self-hosted providers (${options.excludeProviders.join(', ')}) is left out.` : ''}`,
    ],
  };
}
