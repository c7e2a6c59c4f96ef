import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { numberText } from './number-text.js';

const oldSpaceUsed = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0;

/** Old-generation growth over `count` conversions of distinct numbers, in bytes. */
function oldGrowth(convert: (value: number) => string, count: number): number {
  const before = oldSpaceUsed();
  let length = 0;
  for (let index = 0; index < count; index += 1) {
    length += convert(999_999_000_000 - index * 7).length + convert(index + 0.125).length;
  }
  assert.ok(length > 0);
  return oldSpaceUsed() - before;
}

describe('numberText', () => {
  it('writes the text String() writes', () => {
    const values = [
      0,
      -0,
      1,
      -1,
      42,
      0.1,
      0.5,
      1.25,
      -3.75,
      1e21,
      1.5e-7,
      123456789012,
      999999999950,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
      2 ** 31,
      -(2 ** 31) - 1,
      NaN,
      Infinity,
      -Infinity,
    ];
    for (const value of values) assert.equal(numberText(value), String(value));
  });

  it('leaves no garbage in the old generation, where String() leaves its cache entries', () => {
    const count = 100_000;
    const cached = oldGrowth(String, count);
    // A scavenge that falls inside the loop promotes whatever young objects are live then (a few
    // hundred KB of the test runner's): the least of three tries is numberText's own growth.
    const plain = Math.min(...[0, 1, 2].map(() => oldGrowth(numberText, count)));
    // String(): ~16 B a conversion on Node 20 (V8's number-string cache allocates old).
    assert.ok(cached > count * 4, `String() grew the old generation by ${cached} B only`);
    assert.ok(plain < cached / 10, `numberText grew it by ${plain} B (String(): ${cached} B)`);
  });
});
