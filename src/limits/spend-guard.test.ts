import assert from 'node:assert/strict';
import { it } from 'node:test';
import { subscribeLimitEvents, type LimitEvent } from './limit-events.js';
import { LimitStoreUnavailableError, type LimitStore } from './limit-store.js';
import { createMemoryLimitStore } from './memory/memory-limit-store.js';
import { createSpendGuard } from './spend-guard.js';

const capsConfig = {
  failureMode: 'closed' as const,
  blockZeroCost: false,
  users: { alice: 10 },
  features: {},
  perKeyDailyUsd: 1,
};
const alertsConfig = { thresholds: [0.5, 0.8, 1], webhookTimeoutMs: 1000, webhookMaxAttempts: 1 };

it('holds on every cap or on none (a refusal releases the other holds)', async () => {
  const guard = createSpendGuard({
    store: createMemoryLimitStore(),
    caps: capsConfig,
    alerts: alertsConfig,
    keyPrefix: 't',
  });
  const caps = guard.capsFor({ user: 'alice', keyId: 'key_1' });
  assert.deepEqual(
    caps.map((cap) => cap.label),
    ['user:alice', 'key:key_1'],
  );
  const refused = await guard.hold(caps, 2);
  assert.equal(refused.type, 'refused');
  assert.equal(refused.type === 'refused' ? refused.cap.label : '', 'key:key_1');
  // The user cap's hold of $2 was released: all $10 can be held now.
  const userOnly = guard.capsFor({ user: 'alice' });
  const held = await guard.hold(userOnly, 10);
  assert.equal(held.type, 'held');
});

it('reports a failing store with the configured policy and releases what it held', async () => {
  const memory = createMemoryLimitStore();
  let calls = 0;
  const flaky: LimitStore = {
    ...memory,
    holdSpend(counter, amount) {
      calls += 1;
      return calls === 2
        ? Promise.reject(new LimitStoreUnavailableError('redis holdSpend failed: timeout'))
        : memory.holdSpend(counter, amount);
    },
  };
  const guard = createSpendGuard({
    store: flaky,
    caps: capsConfig,
    alerts: alertsConfig,
    keyPrefix: 't',
  });
  const decision = await guard.hold(guard.capsFor({ user: 'alice', keyId: 'key_1' }), 0.5);
  assert.equal(decision.type, 'store-failed');
  assert.equal(decision.type === 'store-failed' ? decision.policy : '', 'closed');
  const again = await guard.hold(guard.capsFor({ user: 'alice' }), 10);
  assert.equal(again.type, 'held', 'the hold placed before the failure was released');
});

it('counts every priced request towards the global daily alert, never refusing', async () => {
  const guard = createSpendGuard({
    store: createMemoryLimitStore(),
    caps: { ...capsConfig, users: {}, perKeyDailyUsd: undefined },
    alerts: { ...alertsConfig, globalDailyUsd: 1 },
    keyPrefix: 't',
  });
  assert.equal(guard.tracksGlobal, true);
  assert.deepEqual(guard.capsFor({ user: 'bob' }), []);
  assert.deepEqual(await guard.settle([], { heldNanoUsd: 0, actualUsd: 0.4 }), []);
  const alerts = await guard.settle([], { heldNanoUsd: 0, actualUsd: 0.45 });
  assert.deepEqual(
    alerts.map((alert) => [alert.cap, alert.perMille]),
    [
      ['global', 500],
      ['global', 800],
    ],
  );
  const over = await guard.settle([], { heldNanoUsd: 0, actualUsd: 0.5 });
  assert.deepEqual(
    over.map((alert) => alert.perMille),
    [1000],
  );
  assert.ok(over[0] && over[0].spentUsd > 1, 'spend past the global figure is still served');
});

it('answers one cap like several: refused with the figures, store failures by policy', async () => {
  const memory = createMemoryLimitStore();
  let failWith: Error | undefined;
  const store: LimitStore = {
    ...memory,
    holdSpend: (counter, amount) =>
      failWith ? Promise.reject(failWith) : memory.holdSpend(counter, amount),
  };
  const guard = createSpendGuard({ store, caps: capsConfig, alerts: alertsConfig, keyPrefix: 't' });
  const [userCap] = guard.capsFor({ user: 'alice' });
  assert.ok(userCap);
  assert.equal((await guard.hold([userCap], 6)).type, 'held');
  const refused = await guard.hold([userCap], 5);
  assert.equal(refused.type, 'refused');
  if (refused.type === 'refused') {
    assert.equal(refused.cap.label, 'user:alice');
    assert.equal(refused.heldUsd, 6);
    assert.equal(refused.spentUsd, 0);
    assert.equal(refused.requestUsd, 5);
    assert.ok(refused.resetAt.getTime() > Date.now());
  }
  failWith = new LimitStoreUnavailableError('redis holdSpend failed: timeout');
  const failed = await guard.hold([userCap], 1);
  assert.equal(failed.type, 'store-failed');
  failWith = new TypeError('a bug');
  await assert.rejects(guard.hold([userCap], 1), TypeError);
});

it('builds each cap once, and anew when its limit differs', () => {
  const guard = createSpendGuard({
    store: createMemoryLimitStore(),
    caps: capsConfig,
    alerts: alertsConfig,
    keyPrefix: 't',
  });
  const first = guard.capsFor({ user: 'alice', keyId: 'key_1' });
  const again = guard.capsFor({ user: 'alice', keyId: 'key_1' });
  assert.equal(again[0], first[0]);
  assert.equal(again[1], first[1]);
  const own = guard.capsFor({ keyId: 'key_1', keyDailyUsd: 3 });
  assert.equal(own[0]?.limitUsd, 3);
  assert.equal(own[0]?.counter.key, first[1]?.counter.key);
  assert.equal(guard.capsFor({ keyId: 'key_1' })[0]?.limitUsd, 1);
  assert.deepEqual(
    guard.capsFor({ user: 'alice' }).map((cap) => cap.counter.limitNanoUsd),
    [10e9],
  );
});

it('never throws from settle: a failing or malformed store answer is reported and dropped', async () => {
  const memory = createMemoryLimitStore();
  let mode: 'reject' | 'throw' | 'malformed' = 'reject';
  const store: LimitStore = {
    ...memory,
    settleSpend() {
      if (mode === 'throw') throw new Error('settle blew up');
      if (mode === 'reject') return Promise.reject(new Error('redis settleSpend failed'));
      return Promise.resolve({ spentNanoUsd: 1, resetMs: Number.NaN, crossedPerMille: [500] });
    },
  };
  const guard = createSpendGuard({ store, caps: capsConfig, alerts: alertsConfig, keyPrefix: 't' });
  const events: LimitEvent[] = [];
  const unsubscribe = subscribeLimitEvents((event) => events.push(event));
  try {
    for (const each of ['reject', 'throw', 'malformed'] as const) {
      mode = each;
      assert.deepEqual(
        await guard.settle(guard.capsFor({ user: 'alice' }), { heldNanoUsd: 5, actualUsd: 1 }),
        [],
      );
      assert.deepEqual(
        await guard.settle(guard.capsFor({ user: 'alice', keyId: 'key_1' }), {
          heldNanoUsd: 5,
          actualUsd: 1,
        }),
        [],
      );
    }
    assert.equal(events.filter((event) => event.type === 'store-error').length, 9);
  } finally {
    unsubscribe();
  }
});
