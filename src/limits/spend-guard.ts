// Daily USD caps: which caps apply to a request (user, key, feature), holding the worst-case cost
// on each before the call (all or none, by compensating release), settling the real cost after,
// and reporting alert thresholds crossed (per cap, plus the global daily spend alert).

import type { AlertsConfig, CapsConfig } from '../config/governance-schema.js';
import { publishLimitEvent } from './limit-events.js';
import {
  LimitStoreUnavailableError,
  nanoToUsd,
  usdToNano,
  type LimitStore,
  type SpendCounterSpec,
  type SpendHold,
  type SpendSettlement,
} from './limit-store.js';
import { encodeSubject } from './token-limiter.js';

export interface SpendCap {
  /** `user:alice`, `key:key_…`, `feature:search`, `global`. */
  label: string;
  limitUsd: number;
  counter: SpendCounterSpec;
}

export interface SpendTarget {
  user?: string | undefined;
  keyId?: string | undefined;
  /** The key's own cap (overrides caps.perKeyDailyUsd). */
  keyDailyUsd?: number | undefined;
  feature?: string | undefined;
}

export interface CapAlert {
  cap: string;
  perMille: number;
  spentUsd: number;
  limitUsd: number;
  resetAt: string;
}

export type SpendHoldDecision =
  | { type: 'held'; caps: SpendCap[]; amountNanoUsd: number }
  | {
      type: 'refused';
      cap: SpendCap;
      spentUsd: number;
      heldUsd: number;
      requestUsd: number;
      resetAt: Date;
    }
  | { type: 'store-failed'; policy: 'open' | 'closed'; error: Error };

export interface SpendGuard {
  readonly blockZeroCost: boolean;
  /** Whether the global daily spend alert counts every request's cost. */
  readonly tracksGlobal: boolean;
  capsFor(target: SpendTarget): SpendCap[];
  hold(caps: SpendCap[], amountUsd: number): Promise<SpendHoldDecision>;
  /** Releases the holds, adds the real cost (and to the global counter); never throws. */
  settle(
    caps: SpendCap[],
    options: { heldNanoUsd: number; actualUsd: number },
  ): Promise<CapAlert[]>;
}

/** The reset instant (the store's next UTC midnight), to the second: clocks differ by milliseconds. */
function resetDate(resetMs: number): Date {
  return new Date(Math.round((Date.now() + resetMs) / 1000) * 1000);
}

export function createSpendGuard(options: {
  store: LimitStore;
  caps: CapsConfig;
  alerts: AlertsConfig;
  keyPrefix: string;
}): SpendGuard {
  const { store, caps } = options;
  const thresholdsPerMille = [
    ...new Set(options.alerts.thresholds.map((t) => Math.round(t * 1000))),
  ].sort((a, b) => a - b);
  const cap = (label: string, limitUsd: number, enforce = true): SpendCap => ({
    label,
    limitUsd,
    counter: {
      key: `${options.keyPrefix}:spend:{${encodeSubject(label)}}`,
      limitNanoUsd: usdToNano(limitUsd),
      enforce,
      thresholdsPerMille,
    },
  });
  const global =
    options.alerts.globalDailyUsd !== undefined
      ? cap('global', options.alerts.globalDailyUsd, false)
      : undefined;

  function storeFailed(operation: string, thrown: unknown, policy?: 'open' | 'closed') {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    publishLimitEvent({
      type: 'store-error',
      store: store.name,
      operation,
      error,
      ...(policy ? { policy } : {}),
      limit: 'cap',
    });
    return error;
  }

  function toAlerts(spendCap: SpendCap, crossed: number[], spentNano: number, resetMs: number) {
    if (crossed.length === 0) return [];
    const resetAt = resetDate(resetMs).toISOString();
    return crossed.map((perMille) => ({
      cap: spendCap.label,
      perMille,
      spentUsd: nanoToUsd(spentNano),
      limitUsd: spendCap.limitUsd,
      resetAt,
    }));
  }

  // The caps built so far, by kind and name: the same user, key or feature gets the same SpendCap
  // (label and store key built once) as long as its limit is the same.
  const known = {
    user: new Map<string, SpendCap>(),
    key: new Map<string, SpendCap>(),
    feature: new Map<string, SpendCap>(),
  };
  function capOf(kind: keyof typeof known, name: string, limitUsd: number): SpendCap {
    const byName = known[kind];
    const found = byName.get(name);
    if (found?.limitUsd === limitUsd) return found;
    const built = cap(`${kind}:${name}`, limitUsd);
    if (byName.size >= 10_000) byName.clear();
    byName.set(name, built);
    return built;
  }

  /** The alerts of one settlement; a store failure (or a malformed answer) is reported, not thrown. */
  function settleOne(
    spendCap: SpendCap,
    heldNanoUsd: number,
    actualNanoUsd: number,
  ): Promise<CapAlert[]> {
    let settling: Promise<SpendSettlement>;
    try {
      settling = store.settleSpend(spendCap.counter, { heldNanoUsd, actualNanoUsd });
    } catch (thrown) {
      return Promise.resolve(settleFailed(thrown));
    }
    return settling.then((result) => {
      try {
        return toAlerts(spendCap, result.crossedPerMille, result.spentNanoUsd, result.resetMs);
      } catch (thrown) {
        return settleFailed(thrown);
      }
    }, settleFailed);
  }

  function settleFailed(thrown: unknown): CapAlert[] {
    storeFailed('settleSpend', thrown);
    return [];
  }

  /** A hold on one cap: the store's answer as a decision; an unavailable store by the policy. */
  function holdOne(only: SpendCap, list: SpendCap[], amount: number): Promise<SpendHoldDecision> {
    let holding: Promise<SpendHold>;
    try {
      holding = store.holdSpend(only.counter, amount);
    } catch (thrown) {
      return Promise.resolve().then(() => holdFailed(thrown));
    }
    return holding.then((outcome): SpendHoldDecision => {
      if (outcome.allowed) return { type: 'held', caps: list, amountNanoUsd: amount };
      return {
        type: 'refused',
        cap: only,
        spentUsd: nanoToUsd(outcome.spentNanoUsd),
        heldUsd: nanoToUsd(outcome.heldNanoUsd),
        requestUsd: nanoToUsd(amount),
        resetAt: resetDate(outcome.resetMs),
      };
    }, holdFailed);
  }

  function holdFailed(thrown: unknown): SpendHoldDecision {
    if (!(thrown instanceof LimitStoreUnavailableError)) throw thrown;
    const error = storeFailed('holdSpend', thrown, caps.failureMode);
    return { type: 'store-failed', policy: caps.failureMode, error };
  }

  /** Holds on every cap or on none. */
  async function holdAll(list: SpendCap[], amount: number): Promise<SpendHoldDecision> {
    // One round trip for all caps (each its own key and slot), then all or none: a refused or
    // failed hold gives back the holds placed on the other caps.
    const outcomes = await Promise.allSettled(
      list.map((spendCap) => store.holdSpend(spendCap.counter, amount)),
    );
    const held = list.filter((_, index) => {
      const outcome = outcomes[index];
      return outcome?.status === 'fulfilled' && outcome.value.allowed;
    });
    if (held.length === list.length) return { type: 'held', caps: held, amountNanoUsd: amount };
    await Promise.allSettled(
      held.map((done) =>
        store.settleSpend(done.counter, { heldNanoUsd: amount, actualNanoUsd: 0 }),
      ),
    );
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      const thrown: unknown = failed.reason;
      if (!(thrown instanceof LimitStoreUnavailableError)) throw thrown;
      const error = storeFailed('holdSpend', thrown, caps.failureMode);
      return { type: 'store-failed', policy: caps.failureMode, error };
    }
    const refusedIndex = outcomes.findIndex(
      (outcome) => outcome.status === 'fulfilled' && !outcome.value.allowed,
    );
    const refused = outcomes[refusedIndex];
    const spendCap = list[refusedIndex];
    if (refused?.status !== 'fulfilled' || !spendCap) throw new Error('unreachable: no refusal');
    return {
      type: 'refused',
      cap: spendCap,
      spentUsd: nanoToUsd(refused.value.spentNanoUsd),
      heldUsd: nanoToUsd(refused.value.heldNanoUsd),
      requestUsd: nanoToUsd(amount),
      resetAt: resetDate(refused.value.resetMs),
    };
  }

  return {
    blockZeroCost: caps.blockZeroCost,
    tracksGlobal: global !== undefined,
    capsFor(target) {
      const list: SpendCap[] = [];
      if (target.user !== undefined) {
        const limit = caps.users[target.user] ?? caps.perUserDailyUsd;
        if (limit !== undefined) list.push(capOf('user', target.user, limit));
      }
      if (target.keyId !== undefined) {
        const limit = target.keyDailyUsd ?? caps.perKeyDailyUsd;
        if (limit !== undefined) list.push(capOf('key', target.keyId, limit));
      }
      if (target.feature !== undefined) {
        const limit = caps.features[target.feature] ?? caps.perFeatureDailyUsd;
        if (limit !== undefined) list.push(capOf('feature', target.feature, limit));
      }
      return list;
    },
    // Plain functions, not async ones, for one cap (the common case): one promise per call.
    hold(list, amountUsd) {
      // A zero-cost request held at 1 nano-USD is refused exactly when the cap is fully spent.
      const amount = Math.max(usdToNano(amountUsd), caps.blockZeroCost ? 1 : 0);
      const only = list.length === 1 ? list[0] : undefined;
      // The same answers as holdAll without the all-or-none bookkeeping.
      if (only) return holdOne(only, list, amount);
      return holdAll(list, amount);
    },
    settle(list, { heldNanoUsd, actualUsd }) {
      const actualNanoUsd = actualUsd > 0 ? usdToNano(actualUsd) : 0;
      const settleGlobal = global !== undefined && actualNanoUsd > 0;
      const only = list.length === 1 && !settleGlobal ? list[0] : undefined;
      if (only) return settleOne(only, heldNanoUsd, actualNanoUsd);
      const settling = list.map((spendCap) => settleOne(spendCap, heldNanoUsd, actualNanoUsd));
      if (global && settleGlobal) settling.push(settleOne(global, 0, actualNanoUsd));
      return Promise.all(settling).then((each) => each.flat());
    },
  };
}
