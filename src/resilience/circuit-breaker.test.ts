import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createCircuitBreaker,
  type BreakerPolicy,
  type BreakerStateChange,
} from './circuit-breaker.js';
import { createManualClock } from './clock.js';

const policy: BreakerPolicy = { consecutiveFailures: 3, cooldownMs: 1000, maxCooldownMs: 5000 };

function setup(overrides: Partial<BreakerPolicy> = {}) {
  const clock = createManualClock(10_000);
  const changes: BreakerStateChange[] = [];
  const breaker = createCircuitBreaker({
    policy: { ...policy, ...overrides },
    clock,
    onStateChange: (change) => changes.push(change),
  });
  const fail = () => breaker.tryAcquire()?.failure('boom');
  return { clock, changes, breaker, fail };
}

describe('circuit breaker', () => {
  it('opens after N consecutive failures and refuses permits while open', () => {
    const { breaker, changes, fail } = setup();
    fail();
    fail();
    assert.equal(breaker.snapshot().state, 'closed');
    fail();
    assert.equal(breaker.snapshot().state, 'open');
    assert.equal(breaker.tryAcquire(), undefined);
    assert.deepEqual(
      changes.map((change) => change.to),
      ['open'],
    );
    assert.match(changes[0]?.reason ?? '', /3 consecutive failures/);
  });

  it('a success in between resets the consecutive count', () => {
    const { breaker, fail } = setup();
    fail();
    fail();
    breaker.tryAcquire()?.success();
    fail();
    fail();
    assert.equal(breaker.snapshot().state, 'closed');
    assert.equal(breaker.snapshot().consecutiveFailures, 2);
  });

  it('lets exactly one probe through after the cooldown; its success closes the breaker', () => {
    const { breaker, clock, changes, fail } = setup();
    for (let index = 0; index < 3; index++) fail();
    clock.advance(999);
    assert.equal(breaker.tryAcquire(), undefined, 'still cooling down');
    assert.equal(breaker.snapshot().retryInMs, 1);
    clock.advance(1);
    const probe = breaker.tryAcquire();
    assert.ok(probe?.probe);
    assert.equal(breaker.snapshot().state, 'half-open');
    assert.equal(
      breaker.tryAcquire(),
      undefined,
      'a second caller is refused while the probe runs',
    );
    probe.success();
    assert.equal(breaker.snapshot().state, 'closed');
    assert.equal(breaker.tryAcquire()?.probe, false);
    assert.deepEqual(
      changes.map((change) => change.to),
      ['open', 'half-open', 'closed'],
    );
  });

  it('a failed probe re-opens with a doubled cooldown, capped', () => {
    const { breaker, clock, fail } = setup();
    for (let index = 0; index < 3; index++) fail();
    const cooldowns: number[] = [];
    for (let round = 0; round < 4; round++) {
      clock.advance(breaker.snapshot().retryInMs ?? 0);
      const probe = breaker.tryAcquire();
      assert.ok(probe?.probe);
      probe.failure('still down');
      cooldowns.push(breaker.snapshot().cooldownMs);
    }
    assert.deepEqual(cooldowns, [2000, 4000, 5000, 5000]);
    clock.advance(5000);
    breaker.tryAcquire()?.success();
    assert.equal(breaker.snapshot().cooldownMs, 1000, 'closing resets the cooldown');
  });

  it('a probe released without a verdict (client left) frees the slot for the next caller', () => {
    const { breaker, clock, fail } = setup();
    for (let index = 0; index < 3; index++) fail();
    clock.advance(1000);
    breaker.tryAcquire()?.release();
    assert.equal(breaker.snapshot().state, 'half-open');
    const next = breaker.tryAcquire();
    assert.ok(next?.probe);
    next.success();
    assert.equal(breaker.snapshot().state, 'closed');
  });

  it('late results of attempts started before it opened do not move an open breaker', () => {
    const { breaker, fail } = setup();
    const early = breaker.tryAcquire();
    for (let index = 0; index < 3; index++) fail();
    early?.success();
    assert.equal(breaker.snapshot().state, 'open');
  });

  it('settling a permit twice counts once', () => {
    const { breaker } = setup();
    const permit = breaker.tryAcquire();
    permit?.failure();
    permit?.failure();
    permit?.failure();
    assert.equal(breaker.snapshot().consecutiveFailures, 1);
  });

  it('opens on a failure rate over the window once it holds enough calls', () => {
    const { breaker, clock } = setup({
      consecutiveFailures: 100,
      failureRate: { threshold: 0.5, windowMs: 10_000, minimumCalls: 10 },
    });
    // Alternate failure / success: never two in a row, but above a 50 % rate.
    for (let index = 0; index < 9; index++) {
      const permit = breaker.tryAcquire();
      if (index % 2 === 0) permit?.failure();
      else permit?.success();
      clock.advance(100);
    }
    assert.equal(breaker.snapshot().state, 'closed', '5 of 9 failed, but 9 is below minimumCalls');
    breaker.tryAcquire()?.failure();
    assert.equal(breaker.snapshot().state, 'open', '6 of 10 failed');
  });

  it('forgets failures that left the window', () => {
    const { breaker, clock } = setup({
      consecutiveFailures: 100,
      failureRate: { threshold: 0.5, windowMs: 10_000, minimumCalls: 4 },
    });
    breaker.tryAcquire()?.failure();
    breaker.tryAcquire()?.failure();
    breaker.tryAcquire()?.failure();
    clock.advance(20_000);
    breaker.tryAcquire()?.success();
    breaker.tryAcquire()?.success();
    breaker.tryAcquire()?.success();
    breaker.tryAcquire()?.failure();
    assert.equal(breaker.snapshot().state, 'closed');
    assert.deepEqual(breaker.snapshot().window, { calls: 4, failures: 1 });
    breaker.tryAcquire()?.failure();
    breaker.tryAcquire()?.failure();
    assert.equal(breaker.snapshot().state, 'open', '3 of 6 failed in the window');
  });
});
