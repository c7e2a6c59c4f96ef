import assert from 'node:assert/strict';
import { it } from 'node:test';
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
