// A per-deployment circuit breaker: closed → open after N consecutive failures (or a failure rate
// over a window) → half-open after a cooldown, letting exactly one probe through → closed on its
// success, open again on its failure with a longer cooldown.
//
// Hand-written rather than cockatiel 3.2.1 (the Node 20 line) because, read in its source:
// cockatiel's half-open state makes concurrent callers *wait* for the probe to settle (a streaming
// probe can last minutes; a gateway must skip to the next deployment instead); it reads Date.now()
// with no clock to inject; a probe that ends in an error the policy does not handle (a client abort,
// a 400) *closes* the circuit; and its execute(fn) shape has no way to say "no verdict". Here an
// attempt takes a permit and settles it with success / failure / release, whenever its stream ends.

import type { Clock } from './clock.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface FailureRatePolicy {
  /** 0..1: open when failures / calls in the window reach this. */
  threshold: number;
  windowMs: number;
  /** Calls the window must hold before the rate can open the breaker. */
  minimumCalls: number;
}

export interface BreakerPolicy {
  /** Consecutive failures that open a closed breaker. */
  consecutiveFailures: number;
  failureRate?: FailureRatePolicy;
  /** First cooldown; each failed probe doubles it, up to maxCooldownMs. */
  cooldownMs: number;
  maxCooldownMs: number;
}

export interface BreakerPermit {
  /** This attempt is the half-open probe. */
  readonly probe: boolean;
  success(): void;
  failure(reason?: string): void;
  /** No verdict (the client left, a gateway bug): frees the probe slot, changes nothing else. */
  release(): void;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** Current cooldown (grows with failed probes). */
  cooldownMs: number;
  /** While open: ms until a probe will be let through (0 = the next request probes). */
  retryInMs?: number;
  probeInFlight: boolean;
  /** Times this breaker opened since the process started. */
  opens: number;
  window?: { calls: number; failures: number };
  lastFailure?: string;
}

export interface BreakerStateChange {
  from: BreakerState;
  to: BreakerState;
  reason: string;
  snapshot: BreakerSnapshot;
}

export interface CircuitBreaker {
  /** A permit to attempt, or undefined when the breaker is open (or its probe is in flight). */
  tryAcquire(): BreakerPermit | undefined;
  snapshot(): BreakerSnapshot;
}

export interface CircuitBreakerOptions {
  policy: BreakerPolicy;
  clock: Clock;
  onStateChange?: (change: BreakerStateChange) => void;
}

const BUCKETS = 10;

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { policy, clock } = options;
  let state: BreakerState = 'closed';
  let consecutiveFailures = 0;
  let openedAt = 0;
  let cooldownMs = policy.cooldownMs;
  let failedProbes = 0;
  let probeInFlight = false;
  let opens = 0;
  let lastFailure: string | undefined;

  // Failure-rate window as BUCKETS time slots; a slot is reused when its epoch is stale.
  const rate = policy.failureRate;
  const bucketMs = rate ? Math.max(1, rate.windowMs / BUCKETS) : 1;
  const bucketEpoch = new Array<number>(BUCKETS).fill(-Infinity);
  const bucketCalls = new Array<number>(BUCKETS).fill(0);
  const bucketFailures = new Array<number>(BUCKETS).fill(0);

  function recordInWindow(failed: boolean): void {
    if (!rate) return;
    const epoch = Math.floor(clock.now() / bucketMs);
    const slot = epoch % BUCKETS;
    if (bucketEpoch[slot] !== epoch) {
      bucketEpoch[slot] = epoch;
      bucketCalls[slot] = 0;
      bucketFailures[slot] = 0;
    }
    bucketCalls[slot] = (bucketCalls[slot] ?? 0) + 1;
    if (failed) bucketFailures[slot] = (bucketFailures[slot] ?? 0) + 1;
  }

  function windowTotals(): { calls: number; failures: number } {
    const epoch = Math.floor(clock.now() / bucketMs);
    let calls = 0;
    let failures = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      if ((bucketEpoch[slot] ?? -Infinity) > epoch - BUCKETS) {
        calls += bucketCalls[slot] ?? 0;
        failures += bucketFailures[slot] ?? 0;
      }
    }
    return { calls, failures };
  }

  function clearWindow(): void {
    bucketEpoch.fill(-Infinity);
  }

  function snapshot(): BreakerSnapshot {
    const result: BreakerSnapshot = {
      state,
      consecutiveFailures,
      cooldownMs,
      probeInFlight,
      opens,
    };
    if (state === 'open') result.retryInMs = Math.max(0, openedAt + cooldownMs - clock.now());
    if (rate) result.window = windowTotals();
    if (lastFailure !== undefined) result.lastFailure = lastFailure;
    return result;
  }

  function moveTo(next: BreakerState, reason: string): void {
    const from = state;
    state = next;
    if (from !== next) options.onStateChange?.({ from, to: next, reason, snapshot: snapshot() });
  }

  function open(reason: string): void {
    openedAt = clock.now();
    opens += 1;
    moveTo('open', reason);
  }

  function shouldTrip(): string | undefined {
    if (consecutiveFailures >= policy.consecutiveFailures) {
      return `${consecutiveFailures} consecutive failures`;
    }
    if (rate) {
      const { calls, failures } = windowTotals();
      if (calls >= rate.minimumCalls && failures / calls >= rate.threshold) {
        return `${failures} of ${calls} calls failed within ${rate.windowMs} ms`;
      }
    }
    return undefined;
  }

  function createPermit(probe: boolean): BreakerPermit {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      if (probe) probeInFlight = false;
      return true;
    };
    return {
      probe,
      success() {
        if (!settle()) return;
        if (probe) {
          consecutiveFailures = 0;
          failedProbes = 0;
          cooldownMs = policy.cooldownMs;
          clearWindow();
          moveTo('closed', 'probe succeeded');
          return;
        }
        // A result that started before the breaker opened does not move it.
        if (state !== 'closed') return;
        consecutiveFailures = 0;
        recordInWindow(false);
      },
      failure(reason) {
        if (!settle()) return;
        if (reason !== undefined) lastFailure = reason;
        if (probe) {
          failedProbes += 1;
          cooldownMs = Math.min(policy.cooldownMs * 2 ** failedProbes, policy.maxCooldownMs);
          open(`probe failed${reason ? `: ${reason}` : ''}`);
          return;
        }
        if (state !== 'closed') return;
        consecutiveFailures += 1;
        recordInWindow(true);
        const trip = shouldTrip();
        if (trip) open(trip + (reason ? ` (last: ${reason})` : ''));
      },
      release() {
        settle();
      },
    };
  }

  return {
    tryAcquire() {
      switch (state) {
        case 'closed':
          return createPermit(false);
        case 'open':
          if (clock.now() - openedAt < cooldownMs) return undefined;
          probeInFlight = true;
          moveTo('half-open', `cooldown of ${cooldownMs} ms over`);
          return createPermit(true);
        case 'half-open':
          if (probeInFlight) return undefined;
          probeInFlight = true;
          return createPermit(true);
      }
    },
    snapshot,
  };
}
