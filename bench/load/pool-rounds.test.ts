// Interleaved rounds of one target pool into one result: percentiles over all samples, req/s over
// all windows, CPU over all runs; closed-loop latencies from the median round.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCpuTally } from './process-cpu.js';
import { summarizeFixedRate, type FixedRateRound } from './run-fixed-rate.js';
import { summarizeMaxRate, type MaxRateResult } from './run-max-rate.js';

function round(latencies: number[], windowMs: number, errors = 0): FixedRateRound {
  return {
    durationMs: 1000,
    sent: latencies.length + errors,
    totalSent: latencies.length + errors + 10,
    errors,
    errorSamples: errors ? ['status 500'] : [],
    windowMs,
    latencies: Float64Array.from(latencies),
    firstBytes: Float64Array.from(latencies.map((value) => value / 2)),
    sendLags: Float64Array.from(latencies.map(() => 0.1)),
  };
}

describe('pooling interleaved rounds', () => {
  it('takes fixed-rate percentiles over the samples of every round together', () => {
    // Round 1 fast (1..50 ms), round 2 slow (51..100 ms): pooled p50 is 50, p99 is 99.
    const fast = Array.from({ length: 50 }, (_, index) => index + 1);
    const slow = Array.from({ length: 50 }, (_, index) => index + 51);
    const result = summarizeFixedRate({ ratePerSecond: 50, stream: true }, [
      round(slow, 1000),
      round(fast, 1000, 2),
    ]);
    assert.equal(result.latencyMs.count, 100);
    assert.equal(result.latencyMs.p50, 50);
    assert.equal(result.latencyMs.p99, 99);
    assert.equal(result.latencyMs.max, 100);
    assert.equal(result.firstByteMs?.p50, 25);
    assert.equal(result.sent, 102);
    assert.equal(result.totalSent, 122);
    assert.equal(result.errors, 2);
    assert.equal(result.ok, 100);
    assert.deepEqual(result.errorSamples, ['status 500']);
    // 100 answered over two 1 s windows.
    assert.equal(result.achievedRps, 50);
    assert.equal(result.durationS, 2);
    assert.equal(result.rounds, 2);
    // Each round's own percentiles, in round order: the slow round stands out.
    assert.deepEqual(result.roundLatencyMs, [
      { p50: 75, p99: 100 },
      { p50: 25, p99: 50 },
    ]);
  });

  it('leaves a single run as it was (no rounds field, no first byte for a non-stream)', () => {
    const result = summarizeFixedRate({ ratePerSecond: 10, stream: false }, [
      round([1, 2, 3], 1000),
    ]);
    assert.equal(result.rounds, undefined);
    assert.equal(result.roundLatencyMs, undefined);
    assert.equal(result.firstByteMs, undefined);
    assert.equal(result.latencyMs.p50, 2);
  });

  it('takes max-rate req/s over all rounds and latencies from the median round', () => {
    const run = (rps: number, p50: number): MaxRateResult => ({
      connections: 32,
      durationS: 2,
      rps,
      ok: rps * 2,
      errors: 0,
      completed: rps * 2,
      latencyMs: { mean: p50, p50, p90: p50, p99: p50, max: p50 },
    });
    const pooled = summarizeMaxRate([run(1000, 3), run(3000, 1), run(2000, 2)]);
    assert.equal(pooled.rps, 2000);
    assert.equal(pooled.ok, 12_000);
    assert.equal(pooled.durationS, 6);
    assert.equal(pooled.latencyMs.p50, 2);
    assert.equal(pooled.rounds, 3);
    assert.equal(summarizeMaxRate([run(1000, 3)]).rounds, undefined);
  });

  it('adds the CPU of every round, and reports none when a round had no reading', () => {
    const tally = createCpuTally();
    tally.add({ totalMs: 100, mainThreadMs: 80 }, { totalMs: 300, mainThreadMs: 230 }, 100);
    tally.add({ totalMs: 500, mainThreadMs: 400 }, { totalMs: 600, mainThreadMs: 450 }, 100);
    assert.deepEqual(tally.usage(), {
      msPerRequest: 1.5,
      mainThreadMsPerRequest: 1,
      requestsPerCoreSecond: 667,
    });
    const partial = createCpuTally();
    partial.add({ totalMs: 0, mainThreadMs: 0 }, { totalMs: 10, mainThreadMs: 5 }, 10);
    partial.add(undefined, { totalMs: 10, mainThreadMs: 5 }, 10);
    assert.equal(partial.usage(), undefined);
  });
});
