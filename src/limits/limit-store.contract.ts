// The LimitStore contract: every implementation (memory, Redis) runs this same suite.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LimitStore, SpendCounterSpec, TokenBucketSpec } from './limit-store.js';

export function runLimitStoreContract(
  name: string,
  createStore: () => Promise<LimitStore>,
  /** Deletes what the suite left in a shared store (keys matching the glob pattern). */
  cleanup?: (keyPattern: string) => Promise<void>,
) {
  describe(`LimitStore contract: ${name}`, () => {
    let store: LimitStore;
    // Unique per run so parallel test files and earlier runs never share state.
    const run = randomUUID();
    const bucket = (id: string, capacity = 1000, refillPerSecond = 1): TokenBucketSpec => ({
      key: `test:{${run}:${id}}:tpm`,
      capacity,
      refillPerSecond,
    });
    const counter = (id: string, limitNanoUsd = 1000, enforce = true): SpendCounterSpec => ({
      key: `test:{${run}:${id}}:spend`,
      limitNanoUsd,
      enforce,
      thresholdsPerMille: [500, 800, 1000],
    });

    before(async () => {
      store = await createStore();
    });
    after(async () => {
      await store.close();
      await cleanup?.(`test:{${run}:*`);
    });

    it('charges a reservation that fits and reports the remaining tokens', async () => {
      const spec = bucket('fits');
      const result = await store.reserveTokens([spec], 300);
      assert.equal(result.allowed, true);
      const state = result.buckets[0];
      assert.equal(state?.limit, 1000);
      assert.ok(
        state && state.remaining >= 700 && state.remaining <= 701,
        String(state?.remaining),
      );
      assert.equal(state?.retryAfterMs, 0);
      // 300 tokens at 1 token/s take ~300 s to refill.
      assert.ok(
        state && state.resetMs > 290_000 && state.resetMs <= 300_000,
        String(state?.resetMs),
      );
    });

    it('refuses a burst beyond the bucket, with the wait until it would fit', async () => {
      const spec = bucket('burst', 1000, 10);
      assert.equal((await store.reserveTokens([spec], 900)).allowed, true);
      const refused = await store.reserveTokens([spec], 200);
      assert.equal(refused.allowed, false);
      const state = refused.buckets[0];
      assert.ok(state && state.remaining >= 100 && state.remaining < 110);
      // ~100 missing tokens at 10 tokens/s: about 10 s.
      assert.ok(
        state && state.retryAfterMs > 8_000 && state.retryAfterMs <= 10_000,
        String(state?.retryAfterMs),
      );
    });

    it('charges all buckets or none', async () => {
      const roomy = bucket('roomy', 10_000);
      const tight = bucket('tight', 100);
      const refused = await store.reserveTokens([roomy, tight], 500);
      assert.equal(refused.allowed, false);
      const after = await store.reserveTokens([roomy], 1);
      assert.ok((after.buckets[0]?.remaining ?? 0) >= 9_998, 'the roomy bucket was not charged');
    });

    it('never admits an amount larger than the capacity (retry -1)', async () => {
      const refused = await store.reserveTokens([bucket('huge', 100)], 101);
      assert.equal(refused.allowed, false);
      assert.equal(refused.buckets[0]?.retryAfterMs, -1);
    });

    it('refunds the unused part of a reservation, never above capacity', async () => {
      const spec = bucket('refund');
      await store.reserveTokens([spec], 800);
      await store.adjustTokens([spec], -700);
      const probe = await store.reserveTokens([spec], 0);
      const remaining = probe.buckets[0]?.remaining ?? 0;
      assert.ok(remaining >= 900 && remaining <= 902, String(remaining));
      await store.adjustTokens([spec], -5_000);
      const full = await store.reserveTokens([spec], 0);
      assert.equal(full.buckets[0]?.remaining, 1000);
    });

    it('charges usage beyond the reservation as debt', async () => {
      const spec = bucket('debt', 1000, 1);
      await store.reserveTokens([spec], 1000);
      await store.adjustTokens([spec], 500);
      const probe = await store.reserveTokens([spec], 1);
      assert.equal(probe.allowed, false);
      const remaining = probe.buckets[0]?.remaining ?? 0;
      assert.ok(remaining <= -499 && remaining >= -500, String(remaining));
    });

    it('refills continuously with time', async () => {
      const spec = bucket('refill', 1000, 20_000);
      await store.reserveTokens([spec], 1000);
      await sleep(50);
      const probe = await store.reserveTokens([spec], 0);
      assert.ok((probe.buckets[0]?.remaining ?? 0) >= 500, String(probe.buckets[0]?.remaining));
    });

    it('admits exactly what fits under concurrent reservations', async () => {
      const spec = bucket('race', 1000, 0.001);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.reserveTokens([spec], 100)),
      );
      assert.equal(results.filter((result) => result.allowed).length, 10);
    });

    it('holds spend up to the cap, then refuses; settling releases the hold', async () => {
      const spec = counter('hold');
      const first = await store.holdSpend(spec, 600);
      assert.equal(first.allowed, true);
      assert.equal(first.heldNanoUsd, 600);
      assert.ok(first.resetMs > 0 && first.resetMs <= 86_400_000);
      const second = await store.holdSpend(spec, 500);
      assert.equal(second.allowed, false);
      assert.equal(second.spentNanoUsd, 0);
      assert.equal(second.heldNanoUsd, 600);
      const settled = await store.settleSpend(spec, { heldNanoUsd: 600, actualNanoUsd: 300 });
      assert.equal(settled.spentNanoUsd, 300);
      const third = await store.holdSpend(spec, 500);
      assert.equal(third.allowed, true);
      assert.equal(third.spentNanoUsd, 300);
    });

    it('reports each alert threshold once per period', async () => {
      const spec = counter('alerts');
      const a = await store.settleSpend(spec, { heldNanoUsd: 0, actualNanoUsd: 300 });
      assert.deepEqual(a.crossedPerMille, []);
      const b = await store.settleSpend(spec, { heldNanoUsd: 0, actualNanoUsd: 300 });
      assert.deepEqual(b.crossedPerMille, [500]);
      const c = await store.settleSpend(spec, { heldNanoUsd: 0, actualNanoUsd: 100 });
      assert.deepEqual(c.crossedPerMille, []);
      const d = await store.settleSpend(spec, { heldNanoUsd: 0, actualNanoUsd: 400 });
      assert.deepEqual(d.crossedPerMille, [800, 1000]);
      assert.equal(d.spentNanoUsd, 1100);
    });

    it('counts without refusing when the counter is not enforced', async () => {
      const spec = counter('global', 100, false);
      const hold = await store.holdSpend(spec, 1_000);
      assert.equal(hold.allowed, true);
    });

    it('admits spend holds atomically under concurrency (never above the cap)', async () => {
      const spec = counter('race-spend', 1_000);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.holdSpend(spec, 100)),
      );
      assert.equal(results.filter((result) => result.allowed).length, 10);
    });
  });
}
