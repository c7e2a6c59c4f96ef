// The fallback chain: route once, attempt many. Each deployment in order, each retried per its
// retry policy, skipped while its breaker is open, all within one request deadline. Only the
// attempt itself (passed in) touches the wire; this loop decides what comes next.

import {
  GatewayError,
  isUpstreamError,
  type Deployment,
  type RequestSignal,
  type Timeouts,
  type UpstreamErrorKind,
} from '../core/index.js';
import type { BreakerPermit } from './circuit-breaker.js';
import type { BreakerRegistry } from './create-breaker-registry.js';
import type { Clock } from './clock.js';
import { decideRetry, type RetryPolicy } from './retry-policy.js';

export interface ChainAttempt {
  deployment: Deployment;
  /** 0 for the first try of this deployment, 1 for its first retry, … */
  retry: number;
  /** The deployment's timeouts, with totalMs and firstByteMs cut to the request deadline. */
  timeouts: Timeouts;
  /** The breaker let this attempt through as its half-open probe. */
  probe: boolean;
}

export type AttemptResult =
  /** The response went to the client; `failure` when it broke after the first byte. */
  | { type: 'served'; failure?: unknown }
  /** Nothing reached the client: another attempt may still serve the request. */
  | { type: 'failed'; error: unknown };

export interface AttemptReport extends ChainAttempt {
  durationMs: number;
  /** Set when the attempt failed (before or after the first byte). */
  error?: unknown;
}

export interface SkippedDeployment {
  deployment: Deployment;
  reason: 'circuit_open';
  /** ms until the breaker lets a probe through (0: a probe is in flight). */
  retryInMs: number;
}

export interface FallbackChainOptions {
  alias: string;
  deployments: readonly Deployment[];
  breakers: BreakerRegistry;
  retryPolicyFor(deployment: Deployment): RetryPolicy;
  clock: Clock;
  random?: () => number;
  /** The request deadline, on `clock`'s time line. */
  deadlineAt: number;
  /** The client's signal: once aborted, the chain stops. */
  signal: RequestSignal;
  /** Whether a provider exists for the deployment (an unknown one is skipped). */
  canAttempt(deployment: Deployment): boolean;
  attempt(attempt: ChainAttempt): Promise<AttemptResult>;
  onAttempt?(report: AttemptReport): void;
  onSkip?(skipped: SkippedDeployment): void;
}

function kindOf(error: unknown): UpstreamErrorKind | 'internal' {
  return isUpstreamError(error) ? error.kind : 'internal';
}

function describeReport(report: AttemptReport): string {
  const error = report.error;
  const status =
    isUpstreamError(error) && error.upstreamStatus !== undefined ? `, ${error.upstreamStatus}` : '';
  const retry = report.retry > 0 ? ` retry ${report.retry}` : '';
  return `${report.deployment.id}${retry} (${kindOf(error)}${status}, ${Math.round(report.durationMs)} ms)`;
}

function describeSkipped(skipped: SkippedDeployment): string {
  return skipped.retryInMs > 0
    ? `${skipped.deployment.id} (circuit open, probe in ${Math.ceil(skipped.retryInMs / 1000)} s)`
    : `${skipped.deployment.id} (circuit half-open, probe in flight)`;
}

/** Below this much time left before the request deadline, no new attempt is started. */
export const minimumAttemptMs = 50;

function clampTimeouts(timeouts: Timeouts, remainingMs: number): Timeouts {
  // The usual case: the deadline is further than the deployment's own limits (no copy).
  if (timeouts.totalMs <= remainingMs && timeouts.firstByteMs <= remainingMs) return timeouts;
  return {
    ...timeouts,
    totalMs: Math.max(1, Math.min(timeouts.totalMs, remainingMs)),
    firstByteMs: Math.max(1, Math.min(timeouts.firstByteMs, remainingMs)),
  };
}

/** Gives the breaker its verdict: upstream trouble is a failure, a proper refusal a success. */
function settlePermit(permit: BreakerPermit | undefined, error: unknown, aborted: boolean): void {
  if (!permit) return;
  if (error === undefined) permit.success();
  else if (aborted) permit.release();
  else if (isUpstreamError(error)) {
    if (error.retryable) permit.failure(`${error.kind}: ${error.message}`.slice(0, 300));
    else permit.success();
  } else permit.release();
}

/**
 * Resolves once some attempt served the request. Rejects with a client error as it is, with the
 * error that ended the chain when the client left, or with a 503 `upstream_unavailable` naming
 * every attempt and skipped deployment (with `x-should-retry: false`).
 */
export async function runFallbackChain(options: FallbackChainOptions): Promise<void> {
  const { clock, signal } = options;
  const random = options.random ?? Math.random;
  const reports: AttemptReport[] = [];
  const skipped: SkippedDeployment[] = [];
  let lastError: unknown;
  let deadlineReached = false;

  chain: for (const deployment of options.deployments) {
    if (!options.canAttempt(deployment)) continue;
    const policy = options.retryPolicyFor(deployment);
    for (let retry = 0; ; retry++) {
      const remainingMs = options.deadlineAt - clock.now();
      // Timers fire a little early or late: an attempt started with a few milliseconds left
      // cannot get an answer, it only sends (and may bill) a request. Treat it as the deadline.
      if (remainingMs < minimumAttemptMs) {
        deadlineReached = true;
        break chain;
      }
      const breaker = options.breakers.get(deployment);
      const permit = breaker?.tryAcquire();
      if (breaker && !permit) {
        const entry: SkippedDeployment = {
          deployment,
          reason: 'circuit_open',
          retryInMs: breaker.snapshot().retryInMs ?? 0,
        };
        skipped.push(entry);
        options.onSkip?.(entry);
        continue chain;
      }
      const attempt: ChainAttempt = {
        deployment,
        retry,
        timeouts: clampTimeouts(deployment.timeouts, remainingMs),
        probe: permit?.probe ?? false,
      };
      const startedAt = clock.now();
      let result: AttemptResult;
      try {
        result = await options.attempt(attempt);
      } catch (error) {
        result = { type: 'failed', error };
      }
      const error = result.type === 'failed' ? result.error : result.failure;
      settlePermit(permit, error, signal.aborted);
      const report: AttemptReport = {
        deployment,
        retry,
        timeouts: attempt.timeouts,
        probe: attempt.probe,
        durationMs: clock.now() - startedAt,
      };
      if (error !== undefined) report.error = error;
      reports.push(report);
      options.onAttempt?.(report);
      if (result.type === 'served') return;

      lastError = result.error;
      // The client left: stop here, nothing more is worth paying for.
      if (signal.aborted) throw result.error;
      if (!isUpstreamError(result.error) || !result.error.retryable) throw result.error;

      const decision = decideRetry(policy, {
        kind: result.error.kind,
        retryIndex: retry,
        retryAfterMs: result.error.retryAfterMs,
        remainingMs: options.deadlineAt - clock.now(),
        random: random(),
      });
      if (decision.type === 'next') continue chain;
      if (decision.delayMs > 0) {
        try {
          await clock.sleep(decision.delayMs, signal);
        } catch {
          // The client left during the wait: end with the failure that caused it, not the abort.
          throw result.error;
        }
      }
    }
  }
  throw createAllFailedError({
    alias: options.alias,
    reports,
    skipped,
    lastError,
    deadlineReached,
  });
}

function createAllFailedError(input: {
  alias: string;
  reports: AttemptReport[];
  skipped: SkippedDeployment[];
  lastError: unknown;
  deadlineReached: boolean;
}): GatewayError {
  const { alias, reports, skipped } = input;
  // Both official SDKs would otherwise replay the whole chain twice more.
  const headers: Record<string, string> = { 'x-should-retry': 'false' };
  const details = {
    attempts: reports.map((report) => ({
      deployment: report.deployment.id,
      provider: report.deployment.provider,
      retry: report.retry,
      errorKind: kindOf(report.error),
      status: isUpstreamError(report.error) ? report.error.upstreamStatus : undefined,
      durationMs: Math.round(report.durationMs),
    })),
    skipped: skipped.map((entry) => ({
      deployment: entry.deployment.id,
      reason: entry.reason,
      retryInMs: Math.round(entry.retryInMs),
    })),
  };
  const parts: string[] = [];
  if (reports.length > 0) {
    parts.push(
      `All ${reports.length} attempt(s) for '${alias}' failed: ${reports.map(describeReport).join('; ')}.`,
    );
  }
  if (skipped.length > 0) {
    const list = skipped.map(describeSkipped).join('; ');
    if (reports.length === 0) {
      parts.push(
        `Every deployment of '${alias}' is unavailable: circuit breaker open for ${list}. No upstream was called.`,
      );
      const soonestMs = Math.min(...skipped.map((entry) => entry.retryInMs));
      headers['retry-after'] = String(Math.max(1, Math.ceil(soonestMs / 1000)));
    } else {
      parts.push(`Skipped, circuit breaker open: ${list}.`);
    }
  }
  if (input.deadlineReached) parts.push('The request deadline ran out.');
  if (parts.length === 0) parts.push(`No deployment of '${alias}' could be tried.`);
  return new GatewayError('upstream_unavailable', parts.join(' '), {
    ...(input.lastError !== undefined ? { cause: input.lastError } : {}),
    details,
    headers,
  });
}
