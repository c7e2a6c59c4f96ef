import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeScavenges } from './young-gc-trace.js';

// Shortened from real `node --trace-gc-nvp` output (Node 20): two isolates, the main one busier.
const main = '[6824:0xc5241e0]';
const worker = '[6824:0x7f01c8000b60]';
const lines = [
  `${main}       26 ms: pause=0.6 mutator=23.1 gc=s reduce_memory=0 scavenge=0.47 allocated=40000000 promoted=0 new_space_survived=400000 nodes_died_in_new=16`,
  `${worker}      30 ms: pause=9.0 mutator=1.0 gc=s allocated=1000000 promoted=500000 new_space_survived=500000`,
  '{"level":30,"msg":"request"}',
  `${main}      120 ms: pause=3.4 mutator=90.0 gc=s allocated=60000000 promoted=200000 new_space_survived=600000`,
  `${main}      300 ms: pause=5.0 mutator=10.0 gc=mc reduce_memory=0 allocated=1000 promoted=100`,
];

describe('summarizeScavenges', () => {
  it("averages the busiest isolate's scavenges and counts its other GCs", () => {
    assert.deepEqual(summarizeScavenges(lines), {
      scavenges: 2,
      markCompacts: 1,
      allocatedBytes: 50_000_000,
      survivedBytes: 500_000,
      promotedBytes: 100_000,
      pauseMs: 2,
      maxPauseMs: 3.4,
    });
  });

  it('reports zeros when there is no GC line', () => {
    const summary = summarizeScavenges(['listening', '']);
    assert.equal(summary.scavenges, 0);
    assert.equal(summary.survivedBytes, 0);
  });
});
