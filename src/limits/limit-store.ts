// The storage contract of the limiter: token buckets (reserve, then adjust with real usage) and daily
// spend counters (hold, then settle), atomic per operation. Implemented by memory/ and redis/.

/** One token bucket: holds up to `capacity` tokens and refills continuously at `refillPerSecond`. */
export interface TokenBucketSpec {
  /** Store key. Redis: every bucket of one reservation must share one `{hash tag}`. */
  key: string;
  capacity: number;
  refillPerSecond: number;
}

/** A bucket after an operation (all numbers are whole tokens or milliseconds). */
export interface TokenBucketState {
  key: string;
  limit: number;
  /** Tokens left (may be negative: debt from a request that used more than it reserved). */
  remaining: number;
  /** Until the bucket is full again. */
  resetMs: number;
  /** Until the bucket holds the requested amount; 0 when allowed; -1 when it never will (amount > capacity). */
  retryAfterMs: number;
}

export interface TokenReservation {
  /** Either every bucket was charged, or none was. */
  allowed: boolean;
  buckets: TokenBucketState[];
}

/**
 * One daily spend counter (a UTC day). Money is kept in integer nano-USD (1e-9 USD) so that the
 * stores add integers, never floats: a $0.15 / 1M-token price is 150 nano-USD per token.
 */
export interface SpendCounterSpec {
  /** Store key (one counter per key; counters are reserved one by one, so no shared slot is needed). */
  key: string;
  limitNanoUsd: number;
  /** false: only count and alert (the global spend alert), never refuse. */
  enforce: boolean;
  /** Alert thresholds in per mille of the limit, ascending (500, 800, 1000). */
  thresholdsPerMille: number[];
}

export interface SpendHold {
  allowed: boolean;
  /** Settled spend of the current day. */
  spentNanoUsd: number;
  /** Outstanding holds of requests in flight (including this one when allowed). */
  heldNanoUsd: number;
  /** Until the counter resets (next UTC midnight by the store's clock). */
  resetMs: number;
}

export interface SpendSettlement {
  spentNanoUsd: number;
  resetMs: number;
  /** Thresholds (per mille) this settlement crossed first in the current period; each fires once. */
  crossedPerMille: number[];
}

export interface LimitStore {
  readonly name: 'memory' | 'redis';
  /** Charges `amount` tokens on every bucket if each holds enough, else charges none. */
  reserveTokens(buckets: readonly TokenBucketSpec[], amount: number): Promise<TokenReservation>;
  /**
   * Corrects buckets after the call: `delta` > 0 charges more (a balance may go negative: debt),
   * `delta` < 0 refunds (never above capacity).
   */
  adjustTokens(buckets: readonly TokenBucketSpec[], delta: number): Promise<void>;
  /**
   * reserveTokens answered at once, by a store that needs no I/O (memory): the request is spared
   * two promises and a turn of the microtask queue before its upstream call. Absent on a store
   * that does I/O (Redis).
   */
  reserveTokensNow?(buckets: readonly TokenBucketSpec[], amount: number): TokenReservation;
  /** adjustTokens done at once, by a store that needs no I/O; absent otherwise. */
  adjustTokensNow?(buckets: readonly TokenBucketSpec[], delta: number): void;
  /** Holds `amountNanoUsd` unless spent + held + amount would exceed the limit (when enforced). */
  holdSpend(counter: SpendCounterSpec, amountNanoUsd: number): Promise<SpendHold>;
  /** Releases a hold made today and adds the real cost; reports thresholds crossed. */
  settleSpend(
    counter: SpendCounterSpec,
    options: { heldNanoUsd: number; actualNanoUsd: number },
  ): Promise<SpendSettlement>;
  close(): Promise<void>;
}

/** The store could not answer (Redis down, timeout): the caller applies its failure policy. */
export class LimitStoreUnavailableError extends Error {
  override readonly name = 'LimitStoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const dayMs = 86_400_000;

export function usdToNano(usd: number): number {
  return Math.ceil(usd * 1e9);
}

export function nanoToUsd(nano: number): number {
  return nano / 1e9;
}
