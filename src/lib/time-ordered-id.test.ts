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
    for (const time of [0, 1, 255, 2 ** 24 - 1, 2 ** 24, 2 ** 40 + 12_345, 2 ** 48 - 1]) {
      const made = timeOrderedId(time);
      assert.match(made, uuidV7);
      assert.equal(timeOfOrderedId(made), time);
      const hex = time.toString(16).padStart(12, '0');
      assert.equal(made.slice(0, 13), `${hex.slice(0, 8)}-${hex.slice(8)}`);
    }
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

  it('fills every random digit from the random source (each takes many values, the variant all four)', () => {
    const ids = Array.from({ length: 2_000 }, () => timeOrderedId(1_764_000_000_000));
    // The digits after the 48 time bits, the version digit and the dashes: 3, then the variant, 3, 12.
    const random = ids.map((id) => id.slice(15, 18) + id.slice(19, 23) + id.slice(24));
    for (let position = 0; position < 19; position += 1) {
      const seen = new Set(random.map((digits) => digits[position]));
      if (position === 3) assert.deepEqual([...seen].sort(), ['8', '9', 'a', 'b']);
      else assert.ok(seen.size >= 12, `digit ${position} took only ${seen.size} values`);
    }
  });
});
