// Token rate limits: which buckets apply to a request (its subject's tier or per-user limits, plus
// per-model buckets), and reserve/adjust over the LimitStore with the configured failure policy.

import type { LimitsConfig } from '../config/governance-schema.js';
import { publishLimitEvent } from './limit-events.js';
import {
  LimitStoreUnavailableError,
  type LimitStore,
  type TokenBucketSpec,
  type TokenBucketState,
  type TokenReservation,
} from './limit-store.js';

export interface TokenLimitTarget {
  /** `user:<name>`, `team:<name>`, `key:<id>` or `anonymous`. */
  subject: string;
  /** The user name when the subject is a user (per-user limits apply). */
  user?: string | undefined;
  tier: string;
  alias: string;
}

export type TokenDecision =
  | { type: 'unlimited' }
  | { type: 'allowed'; buckets: TokenBucketSpec[]; states: TokenBucketState[] }
  | { type: 'refused'; buckets: TokenBucketSpec[]; states: TokenBucketState[] }
  /** The store failed: admitted (policy open, nothing reserved) or refused (policy closed). */
  | { type: 'store-failed'; policy: 'open' | 'closed'; error: Error };

export interface TokenLimiter {
  /** Empty when no limit applies to the target. */
  bucketsFor(target: TokenLimitTarget): TokenBucketSpec[];
  reserve(buckets: TokenBucketSpec[], amount: number): Promise<TokenDecision>;
  /**
   * reserve's decision at once when the store answers without I/O (memory: LimitStore's
   * reserveTokensNow); undefined when it does I/O (Redis), and then reserve is the way.
   */
  reserveNow(buckets: TokenBucketSpec[], amount: number): TokenDecision | undefined;
  /** Never throws: a failed correction is published as an event and dropped. */
  adjust(buckets: TokenBucketSpec[], delta: number): Promise<void>;
  /** adjust done at once (true) when the store needs no I/O; false: call adjust. Never throws. */
  adjustNow(buckets: TokenBucketSpec[], delta: number): boolean;
}

/** The bucket a client should be told about: the one with the fewest tokens left. */
export function tightestBucket(states: readonly TokenBucketState[]): TokenBucketState | undefined {
  let tightest: TokenBucketState | undefined;
  for (const state of states) {
    if (!tightest || state.remaining < tightest.remaining) tightest = state;
  }
  return tightest;
}

/** Hash-tag-safe: braces would change Redis Cluster's slot choice. */
export function encodeSubject(subject: string): string {
  return encodeURIComponent(subject);
}

const unlimited: TokenDecision = { type: 'unlimited' };
const settled = Promise.resolve();

function decided(buckets: TokenBucketSpec[], result: TokenReservation): TokenDecision {
  return { type: result.allowed ? 'allowed' : 'refused', buckets, states: result.buckets };
}

export function createTokenLimiter(options: {
  store: LimitStore;
  config: LimitsConfig;
  keyPrefix: string;
}): TokenLimiter {
  const { store, config } = options;
  // subject -> tier -> alias -> buckets: three lookups with strings the caller mostly keeps (the
  // subject and tier of a key), instead of a joined key string built and hashed on every request.
  let cache = new Map<string, Map<string, Map<string, TokenBucketSpec[]>>>();
  let cached = 0;

  function build(target: TokenLimitTarget, limits: NonNullable<LimitsConfig['tiers'][string]>) {
    // Every bucket of one subject shares the {subject} hash tag: one slot on Redis Cluster, so
    // one script can charge them all atomically.
    const base = `${options.keyPrefix}:tpm:{${encodeSubject(target.subject)}}`;
    const buckets: TokenBucketSpec[] = [
      {
        key: base,
        capacity: limits.burstTokens ?? limits.tokensPerMinute,
        refillPerSecond: limits.tokensPerMinute / 60,
      },
    ];
    const model = limits.models[target.alias];
    if (model) {
      buckets.push({
        key: `${base}:model:${encodeURIComponent(target.alias)}`,
        capacity: model.burstTokens ?? model.tokensPerMinute,
        refillPerSecond: model.tokensPerMinute / 60,
      });
    }
    return buckets;
  }

  /** A store that could not answer: the failure policy's decision; any other error is rethrown. */
  function reserveFailed(thrown: unknown): TokenDecision {
    if (!(thrown instanceof LimitStoreUnavailableError)) throw thrown;
    publishLimitEvent({
      type: 'store-error',
      store: store.name,
      operation: 'reserveTokens',
      error: thrown,
      policy: config.failureMode,
      limit: 'rate',
    });
    return { type: 'store-failed', policy: config.failureMode, error: thrown };
  }

  function adjustFailed(thrown: unknown): void {
    publishLimitEvent({
      type: 'store-error',
      store: store.name,
      operation: 'adjustTokens',
      error: thrown instanceof Error ? thrown : new Error(String(thrown)),
      limit: 'rate',
    });
  }

  return {
    bucketsFor(target) {
      const limits =
        (target.user !== undefined ? config.users[target.user] : undefined) ??
        config.tiers[target.tier];
      if (!limits) return [];
      let byTier = cache.get(target.subject);
      let byAlias = byTier?.get(target.tier);
      const known = byAlias?.get(target.alias);
      if (known) return known;
      const buckets = build(target, limits);
      if (cached >= 50_000) {
        cache = new Map();
        cached = 0;
        byTier = undefined;
        byAlias = undefined;
      }
      if (!byTier) {
        byTier = new Map();
        cache.set(target.subject, byTier);
      }
      if (!byAlias) {
        byAlias = new Map();
        byTier.set(target.tier, byAlias);
      }
      byAlias.set(target.alias, buckets);
      cached += 1;
      return buckets;
    },
    // Plain functions over the store's promise, not async ones: one promise per call, not three.
    reserve(buckets, amount) {
      if (buckets.length === 0) return Promise.resolve(unlimited);
      let reservation: Promise<TokenReservation>;
      try {
        reservation = store.reserveTokens(buckets, amount);
      } catch (thrown) {
        return settled.then(() => reserveFailed(thrown));
      }
      return reservation.then((result) => decided(buckets, result), reserveFailed);
    },
    reserveNow(buckets, amount) {
      if (buckets.length === 0) return unlimited;
      if (!store.reserveTokensNow) return undefined;
      try {
        return decided(buckets, store.reserveTokensNow(buckets, amount));
      } catch (thrown) {
        return reserveFailed(thrown);
      }
    },
    adjustNow(buckets, delta) {
      if (buckets.length === 0 || delta === 0) return true;
      if (!store.adjustTokensNow) return false;
      try {
        store.adjustTokensNow(buckets, delta);
      } catch (thrown) {
        adjustFailed(thrown);
      }
      return true;
    },
    adjust(buckets, delta) {
      if (buckets.length === 0 || delta === 0) return settled;
      try {
        return store.adjustTokens(buckets, delta).then(undefined, adjustFailed);
      } catch (thrown) {
        adjustFailed(thrown);
        return settled;
      }
    },
  };
}
