// The process's event-loop stalls as running totals: spells of 100 ms or more in which the event
// loop did not come round to its timers, so every request in the process waited. A GC pause shows
// here too when it is that long (gc-pauses.ts says which); so does a block by synchronous code, and
// a process the machine did not run (the benchmark's hosts stop every process for 10-35 ms every
// ~540 ms, and twice a gateway round had a p99 of ~1 s that nothing else explained: BENCHMARKS.md,
// fourteenth and fifteenth sessions). One ticker per process, unref'd: it never keeps one alive.

/** How often the ticker expects to run. */
export const tickMs = 25;
/** A late tick counts as a stall from this much lateness on. */
export const stallThresholdMs = 100;

export interface StallTotals {
  count: number;
  seconds: number;
}

const totals: StallTotals = { count: 0, seconds: 0 };
let ticker: NodeJS.Timeout | undefined;

/** Adds a tick's lateness to the totals when it is a stall (exported for the unit test). */
export function recordLateness(into: StallTotals, latenessMs: number): void {
  if (latenessMs < stallThresholdMs) return;
  into.count += 1;
  into.seconds += latenessMs / 1000;
}

/** The stalls since the first call (which starts the ticker). Counts and seconds only grow. */
export function eventLoopStallTotals(): Readonly<StallTotals> {
  if (!ticker) {
    let expected = performance.now() + tickMs;
    ticker = setInterval(() => {
      const now = performance.now();
      recordLateness(totals, now - expected);
      expected = now + tickMs;
    }, tickMs);
    ticker.unref();
  }
  return totals;
}
