// In-process LimitStore: the same arithmetic as the Redis scripts, for a single gateway process
// (used when no `redis.url` is configured). Limits are per process, not global.

import {
  dayMs,
  type LimitStore,
  type SpendCounterSpec,
  type TokenBucketSpec,
  type TokenBucketState,
  type TokenReservation,
} from '../limit-store.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
  expiresAt: number;
}

interface Counter {
  day: number;
  spent: number;
  held: number;
  alertedPerMille: number;
}

export interface MemoryLimitStoreOptions {
  /** Clock in ms (tests inject one). */
  now?: () => number;
  /** Bound on stored buckets and counters; the oldest entries go first. */
  maxEntries?: number;
}

export function createMemoryLimitStore(options: MemoryLimitStoreOptions = {}): LimitStore {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const buckets = new Map<string, Bucket>();
  const counters = new Map<string, Counter>();

  function bound<V>(map: Map<string, V>) {
    while (map.size > maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }

  function level(spec: TokenBucketSpec, time: number): number {
    const bucket = buckets.get(spec.key);
    if (!bucket || bucket.expiresAt <= time) return spec.capacity;
    const ratePerMs = spec.refillPerSecond / 1000;
    return Math.min(
      spec.capacity,
      bucket.tokens + Math.max(0, time - bucket.updatedAt) * ratePerMs,
    );
  }

  // The key last moved to the young end of `buckets`: storing it again changes no order, so its
  // entry is updated in place (the map keeps exact least-recently-stored order either way).
  let newestBucketKey: string | undefined;

  function store(spec: TokenBucketSpec, tokens: number, time: number) {
    const ratePerMs = spec.refillPerSecond / 1000;
    const expiresAt = time + Math.ceil((spec.capacity - tokens) / ratePerMs) + 1000;
    const key = spec.key;
    let bucket = buckets.get(key);
    if (bucket) {
      bucket.tokens = tokens;
      bucket.updatedAt = time;
      bucket.expiresAt = expiresAt;
      if (key === newestBucketKey) return;
      buckets.delete(key);
    } else {
      bucket = { tokens, updatedAt: time, expiresAt };
    }
    buckets.set(key, bucket);
    newestBucketKey = key;
    bound(buckets);
  }

  function state(spec: TokenBucketSpec, tokens: number, amount: number, allowed: boolean) {
    const ratePerMs = spec.refillPerSecond / 1000;
    let retryAfterMs = 0;
    if (!allowed && tokens < amount) {
      retryAfterMs = amount > spec.capacity ? -1 : Math.ceil((amount - tokens) / ratePerMs);
    }
    const result: TokenBucketState = {
      key: spec.key,
      limit: spec.capacity,
      remaining: Math.floor(tokens),
      resetMs: Math.max(0, Math.ceil((spec.capacity - tokens) / ratePerMs)),
      retryAfterMs,
    };
    return result;
  }

  function counter(spec: SpendCounterSpec, time: number): Counter {
    const day = Math.floor(time / dayMs);
    let entry = counters.get(spec.key);
    if (!entry || entry.day !== day) {
      entry = { day, spent: 0, held: 0, alertedPerMille: 0 };
      counters.set(spec.key, entry);
      bound(counters);
    }
    return entry;
  }

  function reserveTokensNow(specs: readonly TokenBucketSpec[], amount: number): TokenReservation {
    const time = now();
    const levels: number[] = [];
    let allowed = true;
    for (const spec of specs) {
      const tokens = level(spec, time);
      levels.push(tokens);
      if (tokens < amount) allowed = false;
    }
    const states: TokenBucketState[] = [];
    for (let index = 0; index < specs.length; index += 1) {
      const spec = specs[index] as TokenBucketSpec;
      let tokens = levels[index] as number;
      if (allowed) {
        tokens -= amount;
        store(spec, tokens, time);
      }
      states.push(state(spec, tokens, amount, allowed));
    }
    return { allowed, buckets: states };
  }

  function adjustTokensNow(specs: readonly TokenBucketSpec[], delta: number): void {
    const time = now();
    for (const spec of specs) {
      let tokens = level(spec, time) - delta;
      if (delta < 0) tokens = Math.min(spec.capacity, tokens);
      store(spec, tokens, time);
    }
  }

  return {
    name: 'memory',
    reserveTokensNow,
    adjustTokensNow,
    reserveTokens(specs, amount) {
      return Promise.resolve(reserveTokensNow(specs, amount));
    },
    adjustTokens(specs, delta) {
      adjustTokensNow(specs, delta);
      return Promise.resolve();
    },
    holdSpend(spec, amount) {
      const time = now();
      const entry = counter(spec, time);
      const resetMs = (entry.day + 1) * dayMs - time;
      if (spec.enforce && entry.spent + entry.held + amount > spec.limitNanoUsd) {
        return Promise.resolve({
          allowed: false,
          spentNanoUsd: entry.spent,
          heldNanoUsd: entry.held,
          resetMs,
        });
      }
      entry.held += amount;
      return Promise.resolve({
        allowed: true,
        spentNanoUsd: entry.spent,
        heldNanoUsd: entry.held,
        resetMs,
      });
    },
    settleSpend(spec, { heldNanoUsd, actualNanoUsd }) {
      const time = now();
      const day = Math.floor(time / dayMs);
      const fresh = counters.get(spec.key)?.day !== day;
      const entry = counter(spec, time);
      // A hold made yesterday vanished with yesterday's counter; the cost lands on today.
      if (!fresh) entry.held = Math.max(0, entry.held - heldNanoUsd);
      entry.spent += actualNanoUsd;
      const crossedPerMille: number[] = [];
      for (const perMille of spec.thresholdsPerMille) {
        if (
          perMille > entry.alertedPerMille &&
          entry.spent * 1000 >= spec.limitNanoUsd * perMille
        ) {
          crossedPerMille.push(perMille);
        }
      }
      const last = crossedPerMille.at(-1);
      if (last !== undefined) entry.alertedPerMille = last;
      return Promise.resolve({
        spentNanoUsd: entry.spent,
        resetMs: (entry.day + 1) * dayMs - time,
        crossedPerMille,
      });
    },
    close() {
      buckets.clear();
      counters.clear();
      return Promise.resolve();
    },
  };
}
