// Turns the three targets' figures into the SPEC §3 comparisons: the gateway's added latency
// against the bare proxy's added latency (both over the emulator), and throughput ratios.

import type { FixedRateResult } from '../load/run-fixed-rate.js';
import type { MaxRateResult } from '../load/run-max-rate.js';
import { round } from '../load/summarize-latencies.js';

export type TargetName = 'emulator' | 'bare-proxy' | 'gateway';
export const targetNames: readonly TargetName[] = ['emulator', 'bare-proxy', 'gateway'];

/**
 * The order of the targets in round `round` (1-based): as `targetNames` in odd rounds, reversed in
 * even ones (emulator, bare proxy, gateway, gateway, bare proxy, emulator, …). With one order
 * every round, the gateway always ran right after the bare proxy and a drift of the host's load
 * within a round always fell on the same side; alternating, each target runs first, in the middle
 * and last alike over two rounds, and the gateway and the bare proxy follow each other both ways.
 */
export function targetsInRound(round: number): readonly TargetName[] {
  return round % 2 === 1 ? targetNames : [...targetNames].reverse();
}

/** 'n/a' when the bare proxy added no measurable latency (noise), so no ratio means anything. */
export type Verdict = 'pass' | 'fail' | 'n/a';

/** SPEC §3 targets. */
export const targets = {
  /** Gateway added latency ≤ 1.5 × the bare proxy's added latency (p50 and p99). */
  maxAddedRatio: 1.5,
  /** Gateway throughput ≥ 70 % of the bare proxy's. */
  minThroughputRatio: 0.7,
  /** Stream: gateway time to first byte within 1 ms of the bare proxy's. */
  maxFirstByteGapMs: 1,
} as const;

export interface AddedLatency {
  /** Target − emulator, ms. */
  bareProxyMs: number;
  gatewayMs: number;
  /** gatewayMs / bareProxyMs; null when the bare proxy added ≤ 0 ms. */
  ratio: number | null;
  verdict: Verdict;
}

export interface FixedComparison {
  p50: AddedLatency;
  p99: AddedLatency;
  /** Gateway latency / direct latency. */
  gatewayToDirect: { p50: number; p99: number };
  /** Streams: the same on the time to first byte, plus the SPEC's 1 ms TTFT bar. */
  firstByte?: {
    p50: AddedLatency;
    p99: AddedLatency;
    /** Gateway first-byte p50 − bare proxy first-byte p50, ms. */
    gatewayMinusBareProxyP50Ms: number;
    verdict: Verdict;
  };
}

export interface MaxComparison {
  /** Gateway req/s ÷ bare proxy req/s at max rate: the SPEC's throughput figure (≥ 0.7). */
  gatewayToBareProxy: number;
  /**
   * Requests per second per core, gateway ÷ bare proxy (= bare proxy CPU per request ÷ gateway
   * CPU per request): the same question asked of CPU time, which a busy machine disturbs less.
   */
  perCoreGatewayToBareProxy: number | null;
  /** The same on the main threads alone (the event loop, which caps one process's req/s). */
  mainThreadGatewayToBareProxy: number | null;
  gatewayToDirect: number;
  bareProxyToDirect: number;
  verdict: Verdict;
}

function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? round(numerator / denominator) : Number.NaN;
}

function added(direct: number, bareProxy: number, gateway: number): AddedLatency {
  const bareProxyMs = round(bareProxy - direct);
  const gatewayMs = round(gateway - direct);
  const addedRatio = bareProxyMs > 0 ? round(gatewayMs / bareProxyMs) : null;
  let verdict: Verdict = 'n/a';
  if (addedRatio !== null) verdict = addedRatio <= targets.maxAddedRatio ? 'pass' : 'fail';
  return { bareProxyMs, gatewayMs, ratio: addedRatio, verdict };
}

export function compareFixed(runs: Record<TargetName, FixedRateResult>): FixedComparison {
  const direct = runs.emulator.latencyMs;
  const proxy = runs['bare-proxy'].latencyMs;
  const gateway = runs.gateway.latencyMs;
  const comparison: FixedComparison = {
    p50: added(direct.p50, proxy.p50, gateway.p50),
    p99: added(direct.p99, proxy.p99, gateway.p99),
    gatewayToDirect: { p50: ratio(gateway.p50, direct.p50), p99: ratio(gateway.p99, direct.p99) },
  };
  const directFirst = runs.emulator.firstByteMs;
  const proxyFirst = runs['bare-proxy'].firstByteMs;
  const gatewayFirst = runs.gateway.firstByteMs;
  if (directFirst && proxyFirst && gatewayFirst) {
    const gap = round(gatewayFirst.p50 - proxyFirst.p50);
    comparison.firstByte = {
      p50: added(directFirst.p50, proxyFirst.p50, gatewayFirst.p50),
      p99: added(directFirst.p99, proxyFirst.p99, gatewayFirst.p99),
      gatewayMinusBareProxyP50Ms: gap,
      verdict: gap <= targets.maxFirstByteGapMs ? 'pass' : 'fail',
    };
  }
  return comparison;
}

export function compareMax(runs: Record<TargetName, MaxRateResult>): MaxComparison {
  const gatewayToBareProxy = ratio(runs.gateway.rps, runs['bare-proxy'].rps);
  const gatewayCpu = runs.gateway.cpu?.msPerRequest;
  const proxyCpu = runs['bare-proxy'].cpu?.msPerRequest;
  const gatewayMain = runs.gateway.cpu?.mainThreadMsPerRequest;
  const proxyMain = runs['bare-proxy'].cpu?.mainThreadMsPerRequest;
  return {
    gatewayToBareProxy,
    perCoreGatewayToBareProxy:
      gatewayCpu !== undefined && proxyCpu !== undefined && gatewayCpu > 0
        ? round(proxyCpu / gatewayCpu)
        : null,
    mainThreadGatewayToBareProxy:
      gatewayMain !== undefined && proxyMain !== undefined && gatewayMain > 0
        ? round(proxyMain / gatewayMain)
        : null,
    gatewayToDirect: ratio(runs.gateway.rps, runs.emulator.rps),
    bareProxyToDirect: ratio(runs['bare-proxy'].rps, runs.emulator.rps),
    verdict: Number.isNaN(gatewayToBareProxy)
      ? 'n/a'
      : gatewayToBareProxy >= targets.minThroughputRatio
        ? 'pass'
        : 'fail',
  };
}
