import assert from 'node:assert/strict';
import { it } from 'node:test';
import { subscribeLimitEvents, type LimitEvent } from './limit-events.js';
import { LimitStoreUnavailableError, type LimitStore } from './limit-store.js';
import { createMemoryLimitStore } from './memory/memory-limit-store.js';
import { createTokenLimiter } from './token-limiter.js';

it('picks per-user, then tier buckets with a per-model bucket, and keeps them per target', () => {
  const limiter = createTokenLimiter({
    store: createMemoryLimitStore(),
    keyPrefix: 'sy',
    config: {
      failureMode: 'open',
      defaultTier: 'standard',
      defaultMaxOutputTokens: 1024,
      tiers: {
        standard: { tokensPerMinute: 600, models: { fast: { tokensPerMinute: 60 } } },
      },
      users: { bob: { tokensPerMinute: 6000, burstTokens: 9000, models: {} } },
    },
  });
  const alice = limiter.bucketsFor({
    subject: 'user:alice',
    user: 'alice',
    tier: 'standard',
    alias: 'fast',
  });
  assert.deepEqual(alice, [
    { key: 'sy:tpm:{user%3Aalice}', capacity: 600, refillPerSecond: 10 },
    { key: 'sy:tpm:{user%3Aalice}:model:fast', capacity: 60, refillPerSecond: 1 },
  ]);
  assert.equal(
    limiter.bucketsFor({ subject: 'user:alice', user: 'alice', tier: 'standard', alias: 'fast' }),
    alice,
  );
  const other = limiter.bucketsFor({
    subject: 'user:alice',
    user: 'alice',
    tier: 'standard',
    alias: 'big',
  });
  assert.deepEqual(other, [{ key: 'sy:tpm:{user%3Aalice}', capacity: 600, refillPerSecond: 10 }]);
  assert.deepEqual(
    limiter.bucketsFor({ subject: 'user:bob', user: 'bob', tier: 'standard', alias: 'fast' }),
    [{ key: 'sy:tpm:{user%3Abob}', capacity: 9000, refillPerSecond: 100 }],
  );
  assert.deepEqual(limiter.bucketsFor({ subject: 'team:x', tier: 'none', alias: 'fast' }), []);
});

it('applies the failure policy when the store cannot answer, rethrows other errors, never throws on adjust', async () => {
  const memory = createMemoryLimitStore();
  let failure: (() => never) | undefined;
  let sync = false;
  const run = <T>(operation: () => Promise<T>): Promise<T> => {
    if (!failure) return operation();
    if (sync) failure();
    return Promise.resolve().then(failure);
  };
  const store: LimitStore = {
    ...memory,
    reserveTokens: (buckets, amount) => run(() => memory.reserveTokens(buckets, amount)),
    adjustTokens: (buckets, delta) => run(() => memory.adjustTokens(buckets, delta)),
  };
  const limiter = createTokenLimiter({
    store,
    keyPrefix: 'sy',
    config: {
      failureMode: 'closed',
      defaultTier: 'standard',
      defaultMaxOutputTokens: 1024,
      tiers: { standard: { tokensPerMinute: 600, models: {} } },
      users: {},
    },
  });
  const events: LimitEvent[] = [];
  const unsubscribe = subscribeLimitEvents((event) => events.push(event));
  try {
    const buckets = limiter.bucketsFor({ subject: 'team:x', tier: 'standard', alias: 'fast' });
    assert.equal((await limiter.reserve(buckets, 100)).type, 'allowed');
    assert.equal((await limiter.reserve(buckets, 1000)).type, 'refused');
    assert.deepEqual(await limiter.reserve([], 1000), { type: 'unlimited' });
    for (const throwsAtOnce of [false, true]) {
      sync = throwsAtOnce;
      failure = () => {
        throw new LimitStoreUnavailableError('redis reserveTokens failed: timeout');
      };
      const failed = await limiter.reserve(buckets, 100);
      assert.equal(failed.type, 'store-failed');
      assert.equal(failed.type === 'store-failed' ? failed.policy : '', 'closed');
      await limiter.adjust(buckets, 5);
      failure = () => {
        throw new TypeError('a bug');
      };
      await assert.rejects(limiter.reserve(buckets, 100), TypeError);
      await limiter.adjust(buckets, -5);
    }
    assert.deepEqual(
      events.map((event) => (event.type === 'store-error' ? event.operation : event.type)),
      [
        'reserveTokens',
        'adjustTokens',
        'adjustTokens',
        'reserveTokens',
        'adjustTokens',
        'adjustTokens',
      ],
    );
  } finally {
    unsubscribe();
  }
});

it('decides at once from a store without I/O, as reserve would, and leaves a store with I/O to reserve', async () => {
  const config = {
    failureMode: 'closed' as const,
    defaultTier: 'standard',
    defaultMaxOutputTokens: 1024,
    tiers: { standard: { tokensPerMinute: 600, models: {} } },
    users: {},
  };
  const now = () => 1_000_000;
  const atOnce = createTokenLimiter({
    store: createMemoryLimitStore({ now }),
    keyPrefix: 'sy',
    config,
  });
  const awaited = createTokenLimiter({
    store: createMemoryLimitStore({ now }),
    keyPrefix: 'sy',
    config,
  });
  const target = { subject: 'team:x', tier: 'standard', alias: 'fast' };
  const buckets = atOnce.bucketsFor(target);
  const same = awaited.bucketsFor(target);
  // The same sequence on two stores: one answered at once, the other through its promises.
  for (const amount of [100, 450, 100, 40]) {
    const decision = atOnce.reserveNow(buckets, amount);
    assert.ok(decision !== undefined && !(decision instanceof Promise));
    assert.deepEqual(decision, await awaited.reserve(same, amount));
  }
  assert.equal(atOnce.reserveNow(buckets, 100)?.type, 'refused');
  assert.equal(atOnce.adjustNow(buckets, -300), true);
  await awaited.adjust(same, -300);
  assert.deepEqual(atOnce.reserveNow(buckets, 100), await awaited.reserve(same, 100));
  assert.deepEqual(atOnce.reserveNow([], 100), { type: 'unlimited' });
  assert.equal(atOnce.adjustNow([], 5), true);

  // A store that does I/O (no reserveTokensNow / adjustTokensNow, as Redis): nothing at once.
  const memory = createMemoryLimitStore({ now });
  const withIo: LimitStore = {
    name: 'redis',
    reserveTokens: (specs, amount) => memory.reserveTokens(specs, amount),
    adjustTokens: (specs, delta) => memory.adjustTokens(specs, delta),
    holdSpend: (counter, amount) => memory.holdSpend(counter, amount),
    settleSpend: (counter, options) => memory.settleSpend(counter, options),
    close: () => memory.close(),
  };
  const remote = createTokenLimiter({ store: withIo, keyPrefix: 'sy', config });
  const remoteBuckets = remote.bucketsFor(target);
  assert.equal(remote.reserveNow(remoteBuckets, 100), undefined);
  assert.equal(remote.adjustNow(remoteBuckets, 5), false);
  assert.equal((await remote.reserve(remoteBuckets, 100)).type, 'allowed');

  // A store answering at once that fails: the failure policy, as reserve applies it.
  const events: LimitEvent[] = [];
  const unsubscribe = subscribeLimitEvents((event) => events.push(event));
  try {
    const failing = createTokenLimiter({
      store: {
        ...createMemoryLimitStore({ now }),
        reserveTokensNow: () => {
          throw new LimitStoreUnavailableError('store gone');
        },
        adjustTokensNow: () => {
          throw new LimitStoreUnavailableError('store gone');
        },
      },
      keyPrefix: 'sy',
      config,
    });
    const failingBuckets = failing.bucketsFor(target);
    const failed = failing.reserveNow(failingBuckets, 100);
    assert.equal(failed?.type, 'store-failed');
    assert.equal(failing.adjustNow(failingBuckets, 5), true);
    assert.deepEqual(
      events.map((event) => (event.type === 'store-error' ? event.operation : event.type)),
      ['reserveTokens', 'adjustTokens'],
    );
  } finally {
    unsubscribe();
  }
});
