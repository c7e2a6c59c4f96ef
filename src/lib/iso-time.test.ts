import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('is Date.prototype.toISOString, across millisecond, second, day and year boundaries', () => {
    const starts = [
      Date.UTC(2026, 10, 29, 4, 33, 24, 0),
      Date.UTC(2026, 11, 31, 23, 59, 59, 990),
      Date.UTC(2028, 1, 28, 23, 59, 58, 500),
      0,
      -1_500,
    ];
    for (const start of starts) {
      for (let ms = start; ms < start + 2_100; ms += 7) {
        assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
      }
    }
  });

  it('takes the millisecond of a fractional timestamp, as Date does', () => {
    const ms = Date.UTC(2026, 0, 1, 0, 0, 0, 5) + 0.75;
    assert.equal(isoTime(ms), new Date(ms).toISOString());
  });

  it('leaves years outside 0000–9999 to Date', () => {
    const far = Date.UTC(12_000, 0, 1, 0, 0, 0, 42);
    assert.equal(isoTime(far), new Date(far).toISOString());
    assert.equal(isoTime(far + 1), new Date(far + 1).toISOString());
  });

  it('refuses an invalid time as Date does', () => {
    assert.throws(() => isoTime(Number.NaN), RangeError);
  });
});
