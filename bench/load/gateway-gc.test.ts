// The bench reads the gateway's GC pauses from its Prometheus text and adds up the rounds.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addGcDelta, noGcPauses, parseGcPauses } from './gateway-gc.js';

const exposition = (majorCount: number, majorSeconds: number, minorCount: number) =>
  [
    '# TYPE switchyard_gc_pauses_total counter',
    `switchyard_gc_pauses_total{kind="minor"} ${minorCount}`,
    `switchyard_gc_pauses_total{kind="major"} ${majorCount}`,
    'switchyard_gc_pauses_total{kind="incremental"} 4',
    `switchyard_gc_pause_seconds_total{kind="minor"} 0.25`,
    `switchyard_gc_pause_seconds_total{kind="major"} ${majorSeconds}`,
  ].join('\n');

describe('gateway GC pauses in the bench', () => {
  it('reads the major and minor totals from /metrics text', () => {
    assert.deepEqual(parseGcPauses(exposition(2, 0.031, 40)), {
      major: { count: 2, ms: 31 },
      minor: { count: 40, ms: 250 },
    });
    assert.equal(parseGcPauses('switchyard_requests_total 3'), undefined, 'a gateway without them');
  });

  it('reads the event-loop stalls when the gateway has them, and adds them up per round', () => {
    const withStalls = (count: number, seconds: number) =>
      [
        exposition(1, 0.01, 10),
        `switchyard_event_loop_stalls_total ${count}`,
        `switchyard_event_loop_stall_seconds_total ${seconds}`,
      ].join('\n');
    assert.deepEqual(parseGcPauses(withStalls(2, 1.25))?.stalls, { count: 2, ms: 1250 });
    assert.equal(parseGcPauses(exposition(1, 0.01, 10))?.stalls, undefined, 'an older gateway');
    const total = noGcPauses();
    addGcDelta(total, parseGcPauses(withStalls(2, 1.25)), parseGcPauses(withStalls(3, 2.5)));
    addGcDelta(total, parseGcPauses(exposition(1, 0.01, 10)), parseGcPauses(withStalls(9, 9)));
    assert.deepEqual(total.stalls, { count: 1, ms: 1250 });
  });

  it('adds what each round added, and nothing for a round it could not read', () => {
    const total = noGcPauses();
    addGcDelta(
      total,
      parseGcPauses(exposition(1, 0.01, 10)),
      parseGcPauses(exposition(3, 0.04, 16)),
    );
    addGcDelta(total, undefined, parseGcPauses(exposition(9, 1, 99)));
    assert.equal(total.major.count, 2);
    assert.ok(Math.abs(total.major.ms - 30) < 1e-9);
    assert.equal(total.minor.count, 6);
    assert.equal(total.minor.ms, 0);
  });
});
