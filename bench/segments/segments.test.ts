// bench:segments' arithmetic: a request's time cut at each mark, requests either side did not note
// whole left out, each segment's percentiles, and the slowest 1 % pinned to the segment they lost
// their time in.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  joinMarks,
  summarizeSegments,
  type ClientMarks,
  type SegmentRow,
  type TargetMarks,
} from './segments.js';

const client = (tag: number, scheduled: number): ClientMarks => ({
  tag,
  scheduled,
  sent: scheduled + 0.1,
  end: scheduled + 1,
});
const target = (tag: number, scheduled: number): TargetMarks => ({
  tag,
  serverStart: scheduled + 0.2,
  upstreamStart: scheduled + 0.3,
  upstreamHeaders: scheduled + 0.6,
  upstreamEnd: scheduled + 0.65,
  responseFinish: scheduled + 0.8,
});

describe('joinMarks', () => {
  it('cuts each request at its marks, from the scheduled send to the last byte', () => {
    const [row] = joinMarks([client(7, 100)], [target(7, 100)]);
    assert.ok(row);
    assert.ok(Math.abs(row.latency - 1) < 1e-9);
    const expected = {
      lag: 0.1,
      arrive: 0.1,
      before: 0.1,
      upstream: 0.3,
      body: 0.05,
      after: 0.15,
      leave: 0.2,
    };
    for (const [name, value] of Object.entries(expected)) {
      assert.ok(
        Math.abs(row.segments[name as keyof typeof expected] - value) < 1e-9,
        `${name}: ${row.segments[name as keyof typeof expected]} ≠ ${value}`,
      );
    }
    const total = Object.values(row.segments).reduce((sum, value) => sum + value, 0);
    assert.ok(Math.abs(total - row.latency) < 1e-9, 'the segments add up to the latency');
  });

  it('leaves out requests the target did not note, or noted without an upstream call', () => {
    const noUpstream = { ...target(2, 20), upstreamStart: null, upstreamHeaders: null };
    const rows = joinMarks(
      [client(1, 10), client(2, 20), client(3, 30)],
      [noUpstream, target(3, 30), target(9, 90)],
    );
    assert.equal(rows.length, 1);
    assert.ok(Math.abs(rows[0]!.latency - 1) < 1e-9);
  });
});

describe('summarizeSegments', () => {
  it('gives each segment its own percentiles and finds where the slowest 1 % lost time', () => {
    const rows: SegmentRow[] = [];
    for (let index = 0; index < 200; index += 1) {
      // Three slow requests: late at the load generator, waiting on the upstream, slow after it.
      const lag = index === 50 ? 5 : 0.1;
      const upstream = index === 120 ? 6 : 0.2;
      const after = index === 180 ? 4 : 0.04;
      const segments = {
        lag,
        arrive: 0.05,
        before: 0.03,
        upstream,
        body: 0.01,
        after,
        leave: 0.05,
      };
      const latency = Object.values(segments).reduce((sum, value) => sum + value, 0);
      rows.push({ latency, segments });
    }
    const summary = summarizeSegments(rows);
    assert.equal(summary.count, 200);
    assert.equal(summary.p50.upstream, 0.2);
    assert.equal(summary.p50.before, 0.03);
    assert.equal(summary.latencyP50, 0.48);
    // The p99 is the third slowest (nearest rank 198 of 200): the one slow after its upstream.
    assert.equal(summary.latencyP99, 4.44);
    // The slowest 1 % are those three: each segment's mean over them.
    assert.equal(summary.slowestMean.lag, 1.733);
    assert.equal(summary.slowestMean.upstream, 2.133);
    assert.equal(summary.slowestMean.after, 1.36);
    assert.equal(summary.slowestMean.before, 0.03);
  });

  it('summarises no requests without throwing', () => {
    const summary = summarizeSegments([]);
    assert.equal(summary.count, 0);
    assert.ok(Number.isNaN(summary.latencyP99));
  });
});
