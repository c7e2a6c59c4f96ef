// Self-hosting arithmetic (`switchyard economics`): what a replica costs per 1M tokens at a given
// utilisation, what the same tokens cost at an API price, the volume where the two meet, the
// replicas a peak needs, and a sensitivity table over utilisation. Pure functions, no I/O.

/** Hours in an average month (8,760 / 12): always-on replicas are billed for all of them. */
export const hoursPerMonth = 730;

export interface EconomicsInput {
  /** Tokens per month (all classes: input + output), the volume to serve. */
  tokensPerMonth: number;
  /** USD per GPU-hour. */
  gpuHourUsd: number;
  gpusPerReplica: number;
  /** Sustained throughput of one replica, all token classes, tokens per second. */
  tokensPerSecondPerReplica: number;
  /** Share of the time a replica is busy at its sustained rate (0…1]. */
  utilisation: number;
  /** The API price compared against, USD per 1M tokens (blended over input and output). */
  apiPricePerMTok: number;
  /** Peak-hour load ÷ average load (≥ 1); 1 when unknown. */
  peakToMean?: number;
}

export interface SensitivityRow {
  utilisation: number;
  selfHostedPerMTok: number;
  /** API price ÷ self-hosted price: > 1 means self-hosting is cheaper by that factor. */
  apiOverSelfHosted: number;
}

export interface EconomicsResult {
  input: Required<EconomicsInput>;
  /** One replica's cost per hour (GPUs × $/GPU-hour). */
  replicaHourUsd: number;
  /** USD per 1M tokens of a replica that is busy all the time. */
  selfHostedPerMTokAtFullUse: number;
  /** USD per 1M tokens at the target utilisation (full-use price ÷ utilisation). */
  selfHostedPerMTok: number;
  apiPerMTok: number;
  /** API price ÷ self-hosted price at the target utilisation. */
  apiOverSelfHosted: number;
  /** The utilisation below which the API is cheaper (full-use price ÷ API price). */
  breakEvenUtilisation: number;
  /** Monthly tokens at which one always-on replica costs what the API would charge for them. */
  breakEvenTokensPerMonth: number;
  volume: {
    averageTokensPerSecond: number;
    peakTokensPerSecond: number;
    /** Replicas to serve the peak with each at the target utilisation (at least 1). */
    replicasForPeak: number;
    /** Those replicas, always on, for a month. */
    selfHostedMonthlyUsd: number;
    /** The busy share those replicas would really see at this volume. */
    effectiveUtilisation: number;
    effectivePerMTok: number;
    apiMonthlyUsd: number;
    /** apiMonthlyUsd − selfHostedMonthlyUsd (negative: the API is cheaper). */
    monthlySavingUsd: number;
  };
  sensitivity: SensitivityRow[];
}

/** The utilisation steps of the sensitivity table: 10 % … 90 %, and 100 %. */
export const sensitivitySteps = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

function check(name: string, value: number, options: { min?: number; max?: number } = {}) {
  if (!Number.isFinite(value)) throw new RangeError(`${name}: expected a number, got ${value}`);
  if (options.min !== undefined && !(value > options.min))
    throw new RangeError(`${name}: expected more than ${options.min}, got ${value}`);
  if (options.max !== undefined && value > options.max)
    throw new RangeError(`${name}: expected at most ${options.max}, got ${value}`);
}

/** USD per 1M tokens of a replica at a utilisation: GPUs × $/h ÷ (tokens/s × 3600 × u) × 1e6. */
export function selfHostedPerMTok(
  replica: { gpuHourUsd: number; gpusPerReplica: number; tokensPerSecondPerReplica: number },
  utilisation = 1,
): number {
  return (
    (replica.gpusPerReplica * replica.gpuHourUsd * 1_000_000) /
    (replica.tokensPerSecondPerReplica * 3600 * utilisation)
  );
}

export function computeEconomics(raw: EconomicsInput): EconomicsResult {
  const input: Required<EconomicsInput> = { peakToMean: 1, ...raw };
  check('tokensPerMonth', input.tokensPerMonth, { min: -1 });
  check('gpuHourUsd', input.gpuHourUsd, { min: 0 });
  check('gpusPerReplica', input.gpusPerReplica, { min: 0 });
  check('tokensPerSecondPerReplica', input.tokensPerSecondPerReplica, { min: 0 });
  check('utilisation', input.utilisation, { min: 0, max: 1 });
  check('apiPricePerMTok', input.apiPricePerMTok, { min: -1 });
  check('peakToMean', input.peakToMean, { min: 0 });
  const peakToMean = Math.max(1, input.peakToMean);

  const replicaHourUsd = input.gpusPerReplica * input.gpuHourUsd;
  const full = selfHostedPerMTok(input, 1);
  const atTarget = full / input.utilisation;
  const api = input.apiPricePerMTok;
  const replicaMonthUsd = replicaHourUsd * hoursPerMonth;

  const averageTokensPerSecond = input.tokensPerMonth / (hoursPerMonth * 3600);
  const peakTokensPerSecond = averageTokensPerSecond * peakToMean;
  const replicasForPeak = Math.max(
    1,
    Math.ceil(peakTokensPerSecond / (input.tokensPerSecondPerReplica * input.utilisation) - 1e-9),
  );
  const selfHostedMonthlyUsd = replicasForPeak * replicaMonthUsd;
  const apiMonthlyUsd = (input.tokensPerMonth / 1_000_000) * api;

  return {
    input,
    replicaHourUsd,
    selfHostedPerMTokAtFullUse: full,
    selfHostedPerMTok: atTarget,
    apiPerMTok: api,
    apiOverSelfHosted: api / atTarget,
    breakEvenUtilisation: api > 0 ? full / api : Infinity,
    breakEvenTokensPerMonth: api > 0 ? (replicaMonthUsd / api) * 1_000_000 : Infinity,
    volume: {
      averageTokensPerSecond,
      peakTokensPerSecond,
      replicasForPeak,
      selfHostedMonthlyUsd,
      effectiveUtilisation:
        averageTokensPerSecond / (replicasForPeak * input.tokensPerSecondPerReplica),
      effectivePerMTok:
        input.tokensPerMonth > 0
          ? selfHostedMonthlyUsd / (input.tokensPerMonth / 1_000_000)
          : Infinity,
      apiMonthlyUsd,
      monthlySavingUsd: apiMonthlyUsd - selfHostedMonthlyUsd,
    },
    sensitivity: sensitivitySteps.map((utilisation) => {
      const price = full / utilisation;
      return { utilisation, selfHostedPerMTok: price, apiOverSelfHosted: api / price };
    }),
  };
}

/** Blended API price per 1M tokens for a given output share (0…1) of the tokens. */
export function blendedPricePerMTok(
  price: { inputPerMTok: number; outputPerMTok: number },
  outputShare: number,
): number {
  return price.inputPerMTok * (1 - outputShare) + price.outputPerMTok * outputShare;
}
