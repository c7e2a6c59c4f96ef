// The process's event-loop stalls as running totals: spells of 100 ms or more in which the event
// loop did not come round to its timers, so every request in the process waited. A GC pause shows
// here too when it is that long (gc-pauses.ts says which); so does a block by synchronous code, and
// a process the machine did not run (the benchmark's hosts stop every process for 10-35 ms every
// ~540 ms, and twice a gateway round had a p99 of ~1 s that nothing else explained: BENCHMARKS.md,
// fourteenth and fifteenth sessions). One ticker per process, unref'd: it never keeps one alive;
// it runs while requests come or are in flight, and stops after 2 s without (quietTurnsBeforeStop).

/** How often the ticker expects to run. */
export const tickMs = 25;
/** A late tick counts as a stall from this much lateness on. */
export const stallThresholdMs = 100;

export interface StallTotals {
  count: number;
  seconds: number;
}

/**
 * The ticker stops after this many turns in a row with no request started and none in flight
 * (2 s), and the next request starts it again: an idle gateway's loop is not watched, since nothing
 * waits on it, and its ticker no longer wakes it 40 times a second (with the log's flush timer,
 * what an idle gateway still did; BENCHMARKS.md, twentieth session). A stall that begins while
 * idle and delays the first request after it shows in that request's latency, not here.
 */
export const quietTurnsBeforeStop = 80;

const totals: StallTotals = { count: 0, seconds: 0 };
let ticker: NodeJS.Timeout | undefined;
let activity = 0;
const busyChecks = new Set<() => boolean>();

/** Adds a tick's lateness to the totals when it is a stall (exported for the unit test). */
export function recordLateness(into: StallTotals, latenessMs: number): void {
  if (latenessMs < stallThresholdMs) return;
  into.count += 1;
  into.seconds += latenessMs / 1000;
}

function startTicker(): void {
  let expected = performance.now() + tickMs;
  let seen = activity;
  let quietTurns = 0;
  const running = setInterval(() => {
    const now = performance.now();
    recordLateness(totals, now - expected);
    expected = now + tickMs;
    let busy = activity !== seen;
    seen = activity;
    if (!busy) for (const check of busyChecks) busy ||= check();
    quietTurns = busy ? 0 : quietTurns + 1;
    if (quietTurns >= quietTurnsBeforeStop) {
      clearInterval(running);
      ticker = undefined;
    }
  }, tickMs);
  running.unref();
  ticker = running;
}

/** A request started: the loop is watched (the ticker started if it had stopped). Cheap. */
export function noteEventLoopActivity(): void {
  activity += 1;
  if (ticker === undefined) startTicker();
}

/**
 * Keeps the loop watched while `busy()` says so (the server: requests in flight, a stream may
 * last minutes with no new request). Returns the function that stops asking.
 */
export function watchEventLoopWhile(busy: () => boolean): () => void {
  busyChecks.add(busy);
  return () => {
    busyChecks.delete(busy);
  };
}

/** Whether the ticker is running now (for the unit test). */
export function isWatchingEventLoop(): boolean {
  return ticker !== undefined;
}

/** The stalls since the process started watching. Counts and seconds only grow. */
export function eventLoopStallTotals(): Readonly<StallTotals> {
  noteEventLoopActivity();
  return totals;
}
