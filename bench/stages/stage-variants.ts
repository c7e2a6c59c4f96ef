// The gateway configs `npm run bench:stages` compares: the bench's production config (every
// production stage on), the same with one stage off at a time, and with all of them off; and the
// summary that turns their rounds into "what each stage costs per request".

/** A production stage that a config can turn off. */
export type StageName = 'log' | 'traces' | 'metrics' | 'keys' | 'limits' | 'cache';

export const stageNames: readonly StageName[] = [
  'log',
  'traces',
  'metrics',
  'keys',
  'limits',
  'cache',
];

export const stageLabels: Record<StageName, string> = {
  log: 'request log (info line per request)',
  traces: 'trace store (embedded PGlite, in its child process)',
  metrics: 'Prometheus metrics',
  keys: 'virtual key check',
  limits: 'token rate limit',
  cache: 'exact response cache (lookup)',
};

export interface Variant {
  /** 'all', 'none', or 'without-<stage>'. */
  name: string;
  off: readonly StageName[];
}

export function variantsFor(stages: readonly StageName[] = stageNames): Variant[] {
  return [
    { name: 'all', off: [] },
    ...stages.map((stage) => ({ name: `without-${stage}`, off: [stage] })),
    { name: 'none', off: [...stageNames] },
  ];
}

/** The bench's production config with `off` turned off (a copy; the input is not changed). */
export function withStagesOff(
  config: Record<string, unknown>,
  off: readonly StageName[],
): Record<string, unknown> {
  const result: Record<string, unknown> = structuredClone(config);
  for (const stage of off) {
    if (stage === 'log') result.logging = { level: 'warn' };
    if (stage === 'traces') result.traces = { enabled: false };
    if (stage === 'metrics') result.metrics = { enabled: false };
    if (stage === 'keys') result.keys = { required: false };
    if (stage === 'limits') delete result.limits;
    if (stage === 'cache') result.cache = { enabled: false };
  }
  return result;
}

/** One max-rate round of one target. */
export interface StageRound {
  requests: number;
  seconds: number;
  /** CPU ms over the round: the process's main thread, and all of it with its children. */
  mainMs: number;
  totalMs: number;
}

export interface TargetSummary {
  name: string;
  /** Median over the rounds of each round's req/s. */
  medianRps: number;
  /** Over all rounds: CPU µs per request. */
  mainUs: number;
  totalUs: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export function summarizeRounds(name: string, rounds: readonly StageRound[]): TargetSummary {
  const requests = rounds.reduce((sum, round) => sum + round.requests, 0);
  const perRequest = (pick: (round: StageRound) => number) =>
    requests > 0 ? (1000 * rounds.reduce((sum, round) => sum + pick(round), 0)) / requests : 0;
  return {
    name,
    medianRps: median(
      rounds.map((round) => (round.seconds > 0 ? round.requests / round.seconds : 0)),
    ),
    mainUs: perRequest((round) => round.mainMs),
    totalUs: perRequest((round) => round.totalMs),
  };
}

export interface StageCost {
  stage: StageName;
  /** all − without-<stage>: what the stage costs per request (negative: within noise). */
  mainUs: number;
  totalUs: number;
}

/** Per stage: the CPU the full config spends beyond the config without it. */
export function stageCosts(summaries: readonly TargetSummary[]): StageCost[] {
  const all = summaries.find((summary) => summary.name === 'all');
  if (!all) return [];
  return summaries.flatMap((summary) => {
    const match = /^without-(.+)$/.exec(summary.name);
    const stage = match?.[1] as StageName | undefined;
    if (!stage || !stageNames.includes(stage)) return [];
    return [{ stage, mainUs: all.mainUs - summary.mainUs, totalUs: all.totalUs - summary.totalUs }];
  });
}
