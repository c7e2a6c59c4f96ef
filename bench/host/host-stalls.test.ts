import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeStalls } from './host-stalls.js';

describe('summarizeStalls', () => {
  it('groups close stalls into episodes and finds their period', () => {
    // Three episodes 540 ms apart, the second of two stalls 20 ms apart.
    const summary = summarizeStalls(
      [
        { atMs: 100, durationMs: 12 },
        { atMs: 640, durationMs: 8 },
        { atMs: 668, durationMs: 25 },
        { atMs: 1180, durationMs: 15 },
      ],
      2000,
    );
    assert.equal(summary.stalls, 4);
    assert.equal(summary.totalMs, 60);
    assert.equal(summary.maxMs, 25);
    assert.equal(summary.stalledShare, 0.03);
    assert.equal(summary.episodes, 3);
    assert.equal(summary.medianPeriodMs, 540);
    assert.equal(summary.medianEpisodeMaxMs, 15);
  });

  it('has no period with fewer than three episodes, and zeros without stalls', () => {
    assert.equal(summarizeStalls([{ atMs: 5, durationMs: 6 }], 1000).medianPeriodMs, undefined);
    const none = summarizeStalls([], 1000);
    assert.equal(none.episodes, 0);
    assert.equal(none.maxMs, 0);
    assert.equal(none.medianEpisodeMaxMs, undefined);
  });
});
