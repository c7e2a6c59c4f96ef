// The process's event-loop stalls reach /metrics: a real block of the event loop (synchronous
// work) is counted with its length; a loop that turns on time counts nothing.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createMetrics } from './create-metrics.js';
import {
  eventLoopStallTotals,
  isWatchingEventLoop,
  noteEventLoopActivity,
  quietTurnsBeforeStop,
  recordLateness,
  stallThresholdMs,
  tickMs,
  watchEventLoopWhile,
  type StallTotals,
} from './event-loop-stalls.js';

function metricValue(text: string, name: string): number {
  const found = text.split('\n').find((line) => line.startsWith(`${name} `));
  assert.ok(found, `${name} in the metrics`);
  return Number(found.slice(name.length + 1));
}

function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // synchronous work: nothing else runs in this process meanwhile
  }
}

describe('event-loop stalls', () => {
  it('counts only lateness from the threshold on, with its length', () => {
    const totals: StallTotals = { count: 0, seconds: 0 };
    recordLateness(totals, 3);
    recordLateness(totals, stallThresholdMs - 1);
    assert.deepEqual(totals, { count: 0, seconds: 0 });
    recordLateness(totals, 250);
    recordLateness(totals, stallThresholdMs);
    assert.equal(totals.count, 2);
    assert.ok(Math.abs(totals.seconds - (0.25 + stallThresholdMs / 1000)) < 1e-9);
  });

  it('counts a 400 ms block of the event loop, and /metrics shows it', async () => {
    const metrics = createMetrics({ inFlightRequests: () => 0 });
    const totals = eventLoopStallTotals();
    const before = metricValue(await metrics.render(), 'switchyard_event_loop_stalls_total');
    const { count, seconds } = totals;
    await sleep(tickMs * 3);
    block(400);
    // The ticker notices on its first turn after the block.
    await sleep(tickMs * 3);
    assert.ok(totals.count > count, 'the block was counted');
    const stalled = totals.seconds - seconds;
    assert.ok(stalled >= 0.3 && stalled < 5, `stalled ${stalled} s`);
    const text = await metrics.render();
    assert.ok(metricValue(text, 'switchyard_event_loop_stalls_total') > before);
    assert.ok(metricValue(text, 'switchyard_event_loop_stall_seconds_total') >= 0.3);
  });

  const quietMs = (quietTurnsBeforeStop + 8) * tickMs;

  it('stops watching an idle loop and starts again at the next request', async () => {
    noteEventLoopActivity();
    assert.equal(isWatchingEventLoop(), true);
    await sleep(quietMs);
    assert.equal(isWatchingEventLoop(), false, 'no request for 2 s: the ticker stopped');
    noteEventLoopActivity();
    assert.equal(isWatchingEventLoop(), true, 'a request starts it again');
    const { count } = eventLoopStallTotals();
    await sleep(tickMs * 2);
    block(300);
    await sleep(tickMs * 3);
    assert.ok(eventLoopStallTotals().count > count, 'a block after the restart is counted');
  });

  it('keeps watching while requests are in flight, however long', async () => {
    let inFlight = 1;
    const stop = watchEventLoopWhile(() => inFlight > 0);
    try {
      noteEventLoopActivity();
      await sleep(quietMs);
      assert.equal(isWatchingEventLoop(), true, 'a long stream in flight: still watched');
      inFlight = 0;
      await sleep(quietMs);
      assert.equal(isWatchingEventLoop(), false, 'the stream ended: stopped 2 s later');
    } finally {
      stop();
    }
  });
});
