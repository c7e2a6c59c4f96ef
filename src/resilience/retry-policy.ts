// When to try the same deployment again, and how long to wait first: exponential backoff with full
// jitter, or the upstream's retry-after when it fits under the cap and the request deadline.

import type { UpstreamErrorKind } from '../core/index.js';

export interface RetryPolicy {
  /** Extra tries on the same deployment before moving on (0 = fall back at once). */
  maxRetries: number;
  /** Failure kinds retried on the same deployment; others go straight to the next deployment. */
  retryOn: readonly UpstreamErrorKind[];
  /** Backoff: the n-th retry waits random(0, min(maxDelayMs, baseDelayMs · 2^n)) ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A retry-after above this is not waited for: the next deployment is tried instead. */
  maxRetryAfterMs: number;
}

/** Retry-worthy on the same deployment by default: it said "not now", or never got the request. */
export const defaultRetryOn: readonly UpstreamErrorKind[] = [
  'rate_limited',
  'overloaded',
  'connect',
  'connect_timeout',
];

export type RetryDecision = { type: 'retry'; delayMs: number } | { type: 'next'; reason: string };

export interface RetryQuestion {
  kind: UpstreamErrorKind;
  /** 0 for the first retry of this deployment. */
  retryIndex: number;
  retryAfterMs?: number | undefined;
  /** ms left before the request deadline. */
  remainingMs: number;
  /** 0 ≤ random < 1 (injectable for tests). */
  random: number;
}

export function decideRetry(policy: RetryPolicy, question: RetryQuestion): RetryDecision {
  if (question.retryIndex >= policy.maxRetries) return { type: 'next', reason: 'no retries left' };
  if (!policy.retryOn.includes(question.kind)) {
    return { type: 'next', reason: `${question.kind} is not retried on the same deployment` };
  }
  let delayMs: number;
  if (question.retryAfterMs !== undefined) {
    if (question.retryAfterMs > policy.maxRetryAfterMs) {
      return {
        type: 'next',
        reason: `retry-after ${question.retryAfterMs} ms exceeds the ${policy.maxRetryAfterMs} ms cap`,
      };
    }
    delayMs = question.retryAfterMs;
  } else {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** question.retryIndex);
    delayMs = Math.floor(question.random * ceiling);
  }
  // Waiting must leave time for the retry itself; otherwise the deadline is better spent elsewhere.
  if (delayMs >= question.remainingMs) {
    return { type: 'next', reason: 'the wait would pass the request deadline' };
  }
  return { type: 'retry', delayMs };
}
