// The fixed-rate generator's send clock: a sleeping thread wakes the event loop for every scheduled
// send, in order, never before its time, and stops when told; the generator sends every request of
// the schedule with either clock.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runFixedRateRound } from './run-fixed-rate.js';
import { monotonicMs, startSendTicker } from './send-clock.js';

describe('send clock', () => {
  it('wakes the loop once per scheduled send, in order, never before its time', async () => {
    const startMs = monotonicMs() + 5;
    const intervalMs = 1.5;
    const total = 40;
    const seen: Array<{ index: number; at: number }> = [];
    await new Promise<void>((resolve, reject) => {
      startSendTicker(
        { startMs, intervalMs, total },
        (index) => {
          seen.push({ index, at: monotonicMs() });
          if (index === total - 1) resolve();
        },
        reject,
      );
    });
    assert.deepEqual(
      seen.map((entry) => entry.index),
      Array.from({ length: total }, (_, index) => index),
    );
    for (const { index, at } of seen) {
      assert.ok(at >= startMs + index * intervalMs, `index ${index} woke before its time`);
    }
  });

  it('stops when told, before the end of its schedule', async () => {
    const seen: number[] = [];
    const ticker = startSendTicker(
      { startMs: monotonicMs(), intervalMs: 20, total: 1000 },
      (index) => seen.push(index),
      (error) => assert.fail(error),
    );
    // The clock's thread can take a while to start on a busy machine (a fixed 70 ms wait saw no
    // tick under the CI's load): wait for its first ticks, within a bound.
    for (let waited = 0; seen.length < 3 && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await ticker.stop();
    const count = seen.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(count >= 3, `${count} ticks`);
    assert.ok(count < 1000, 'stopped before the end of its 20 s schedule');
    assert.equal(seen.length, count, 'no tick after stop()');
  });
});

describe('fixed-rate generator', () => {
  let url = '';
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => response.end('{"ok":true}'));
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  for (const sendClock of ['thread', 'timer'] as const) {
    it(`sends the whole schedule and times each request from its scheduled send (${sendClock})`, async () => {
      const before = requests;
      const round = await runFixedRateRound({
        url,
        request: { path: '/', headers: { 'content-type': 'application/json' }, body: '{}' },
        ratePerSecond: 200,
        durationMs: 250,
        warmupMs: 50,
        stream: false,
        sendClock,
      });
      assert.equal(round.errors, 0);
      assert.equal(round.sent, 50);
      assert.equal(round.totalSent, 60);
      assert.equal(requests - before, 60);
      assert.equal(round.latencies.length, 50);
      for (let index = 0; index < round.sendLags.length; index++) {
        // Never sent before its time (the thread's clock and performance.now() agree to ~µs),
        // and its latency includes that lag.
        assert.ok(round.sendLags[index]! > -0.05, `sent ${round.sendLags[index]} ms early`);
        assert.ok(round.latencies[index]! >= round.sendLags[index]!);
      }
    });
  }
});
