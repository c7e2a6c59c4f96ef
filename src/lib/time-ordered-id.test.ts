import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeOfOrderedId, timeOrderedId } from './time-ordered-id.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a UUID version 7, variant 10, carrying the time it was made', () => {
    const before = Date.now();
    const id = timeOrderedId();
    const after = Date.now();
    assert.match(id, uuidV7);
    const ms = timeOfOrderedId(id);
    assert.ok(ms >= before && ms <= after, `${ms} within [${before}, ${after}]`);
    assert.equal(timeOfOrderedId(timeOrderedId(1_764_000_000_123)), 1_764_000_000_123);
  });

  it('sorts by time as text, and never repeats within a millisecond (past one pool refill)', () => {
    const ms = 1_764_000_000_000;
    const sameMs = Array.from({ length: 1_000 }, () => timeOrderedId(ms));
    assert.equal(new Set(sameMs).size, sameMs.length);
    for (const id of sameMs) assert.match(id, uuidV7);
    const times = [ms - 86_400_000, ms - 1, ms, ms + 1, ms + 3_600_000];
    const ids = times.map((time) => timeOrderedId(time));
    assert.deepEqual([...ids].sort(), ids);
  });
});
