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
