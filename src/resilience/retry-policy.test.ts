import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRetry, defaultRetryOn, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = {
  maxRetries: 2,
  retryOn: defaultRetryOn,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  maxRetryAfterMs: 5000,
};
const ask = { kind: 'rate_limited' as const, retryIndex: 0, remainingMs: 60_000, random: 0.5 };

describe('retry policy', () => {
  it('backs off exponentially with full jitter, capped at maxDelayMs', () => {
    assert.deepEqual(decideRetry(policy, ask), { type: 'retry', delayMs: 50 });
    assert.deepEqual(decideRetry(policy, { ...ask, retryIndex: 1, random: 0.999 }), {
      type: 'retry',
      delayMs: 199,
    });
    const capped = decideRetry(
      { ...policy, maxRetries: 10 },
      { ...ask, retryIndex: 8, random: 0.5 },
    );
    assert.deepEqual(capped, { type: 'retry', delayMs: 500 });
    assert.deepEqual(decideRetry(policy, { ...ask, random: 0 }), { type: 'retry', delayMs: 0 });
  });

  it('honours retry-after up to the cap, and moves on above it', () => {
    assert.deepEqual(decideRetry(policy, { ...ask, retryAfterMs: 2000 }), {
      type: 'retry',
      delayMs: 2000,
    });
    const over = decideRetry(policy, { ...ask, retryAfterMs: 30_000 });
    assert.equal(over.type, 'next');
    assert.match(over.type === 'next' ? over.reason : '', /exceeds the 5000 ms cap/);
  });

  it('never waits past the request deadline', () => {
    const decision = decideRetry(policy, { ...ask, retryAfterMs: 2000, remainingMs: 1500 });
    assert.equal(decision.type, 'next');
  });

  it('retries only the kinds it names, and only maxRetries times', () => {
    assert.equal(decideRetry(policy, { ...ask, kind: 'server' }).type, 'next');
    assert.equal(decideRetry(policy, { ...ask, kind: 'ttft_timeout' }).type, 'next');
    assert.equal(decideRetry(policy, { ...ask, kind: 'overloaded' }).type, 'retry');
    assert.equal(decideRetry(policy, { ...ask, kind: 'connect' }).type, 'retry');
    assert.equal(decideRetry(policy, { ...ask, retryIndex: 2 }).type, 'next');
    assert.equal(decideRetry({ ...policy, maxRetries: 0 }, ask).type, 'next');
  });
});
