// The process's GC pauses reach /metrics: real scavenges, caused by allocating short-lived garbage,
// counted by kind with their time.

import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createMetrics } from './create-metrics.js';
import { gcPauseTotals } from './gc-pauses.js';

function metricValue(text: string, line: string): number {
  const found = text.split('\n').find((candidate) => candidate.startsWith(`${line} `));
  assert.ok(found, `${line} in the metrics`);
  return Number(found.slice(line.length + 1));
}

describe('GC pauses', () => {
  it('counts the scavenges that short-lived garbage causes, and /metrics shows them', async () => {
    const metrics = createMetrics({ inFlightRequests: () => 0 });
    const before = metricValue(await metrics.render(), 'switchyard_gc_pauses_total{kind="minor"}');
    const minor = gcPauseTotals().get('minor')!;
    const counted = minor.count;
    let kept: unknown[] = [];
    // A young generation is at most a few tens of MB here: 400 MB of garbage overflows it many
    // times. The observer hears of each GC on a later turn of the event loop.
    for (let round = 0; round < 400 && minor.count === counted; round += 1) {
      kept = Array.from({ length: 10_000 }, (_, index) => ({ index, text: `garbage ${index}` }));
      await nextTurn();
    }
    assert.ok(kept.length > 0);
    assert.ok(minor.count > counted, 'a scavenge was observed');
    assert.ok(minor.seconds > 0, 'with its pause time');
    const text = await metrics.render();
    assert.ok(metricValue(text, 'switchyard_gc_pauses_total{kind="minor"}') > before);
    assert.ok(metricValue(text, 'switchyard_gc_pause_seconds_total{kind="minor"}') > 0);
    // Every kind has its series from the first scrape (a dashboard's rate() needs no gap).
    assert.equal(metricValue(text, 'switchyard_gc_pauses_total{kind="weakcb"}') >= 0, true);
  });
});
