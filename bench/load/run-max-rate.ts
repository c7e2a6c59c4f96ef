// Max-rate (closed-loop) throughput run with autocannon: N connections, each sending its next
// request as soon as the previous response ended. Measures req/s; its latencies are closed-loop
// (queueing under saturation), so fixed-rate runs are the latency figures.

import autocannon from 'autocannon';
import type { BenchRequest } from '../scenario.js';
import type { CpuUsage } from './process-cpu.js';

export interface MaxRateOptions {
  url: string;
  request: BenchRequest;
  connections: number;
  durationMs: number;
  timeoutMs?: number;
}

export interface MaxRateResult {
  connections: number;
  durationS: number;
  /** 2xx responses per second over the run. */
  rps: number;
  ok: number;
  errors: number;
  /** Responses of any status (for CPU per request). */
  completed: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** The target process's own CPU (filled in by the harness, Linux only). */
  cpu?: CpuUsage;
  /**
   * Gateway with PostgreSQL traces only: the PostgreSQL server's CPU (every `postgres` process)
   * during the gateway's rounds, per request. It shares the cores but is in no target's `cpu`.
   */
  databaseCpu?: CpuUsage;
  /** Interleaved rounds pooled into this result (absent: one run). */
  rounds?: number;
}

export async function runMaxRate(options: MaxRateOptions): Promise<MaxRateResult> {
  const { request } = options;
  const result = await autocannon({
    url: options.url + request.path,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationMs / 1000,
    timeout: (options.timeoutMs ?? 10_000) / 1000,
    // The run stops on a sample tick: a short interval keeps short runs short.
    sampleInt: 250,
  });
  const ok = result['2xx'];
  const durationS = result.duration;
  const latency = result.latency;
  return {
    connections: options.connections,
    durationS,
    rps: durationS > 0 ? Math.round((ok / durationS) * 10) / 10 : 0,
    ok,
    errors: result.errors + result.timeouts + result.non2xx,
    completed: result.requests.total,
    latencyMs: {
      mean: latency.mean,
      p50: latency.p50,
      p90: latency.p90,
      p99: latency.p99,
      max: latency.max,
    },
  };
}

/**
 * Pools max-rate rounds of one target: req/s over all their time together, CPU filled in by the
 * harness over all of them. Closed-loop latencies cannot be pooled from autocannon's summaries:
 * they are the median round's (by req/s), and only informative anyway.
 */
export function summarizeMaxRate(rounds: readonly MaxRateResult[]): MaxRateResult {
  if (rounds.length === 1) return rounds[0]!;
  const sum = (pick: (round: MaxRateResult) => number) =>
    rounds.reduce((total, round) => total + pick(round), 0);
  const durationS = sum((round) => round.durationS);
  const ok = sum((round) => round.ok);
  const byRate = [...rounds].sort((a, b) => a.rps - b.rps);
  const median = byRate[Math.floor((byRate.length - 1) / 2)]!;
  return {
    connections: median.connections,
    durationS,
    rps: durationS > 0 ? Math.round((ok / durationS) * 10) / 10 : 0,
    ok,
    errors: sum((round) => round.errors),
    completed: sum((round) => round.completed),
    latencyMs: median.latencyMs,
    rounds: rounds.length,
  };
}
