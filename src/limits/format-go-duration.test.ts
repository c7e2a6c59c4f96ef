import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatGoDuration } from './format-go-duration.js';

it('formats durations like Go time.Duration (OpenAI x-ratelimit-reset-*)', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(12), '12ms');
  assert.equal(formatGoDuration(1000), '1s');
  assert.equal(formatGoDuration(1500), '1.5s');
  assert.equal(formatGoDuration(360_000), '6m0s');
  assert.equal(formatGoDuration(61_250), '1m1.25s');
  assert.equal(formatGoDuration(3_723_000), '1h2m3s');
  assert.equal(formatGoDuration(-5), '0s');
});
