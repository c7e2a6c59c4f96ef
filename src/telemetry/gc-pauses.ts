// The process's garbage-collection pauses, by kind, as running totals: one PerformanceObserver per
// process (GC is per process; every gateway's registry reads the same totals at scrape time).
// A pause is the time V8 held the event loop (Node times it from the GC's prologue to its
// epilogue): at 1,000 req/s a mark-compact of 8-27 ms delayed every request that arrived meanwhile
// (BENCHMARKS.md, twelfth session), so the operator and the benchmark both want to see them.

import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';

export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb';

export const gcKinds: readonly GcKind[] = ['minor', 'major', 'incremental', 'weakcb'];

export interface GcPauseTotal {
  count: number;
  seconds: number;
}

const kindOf = new Map<number, GcKind>([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

const totals = new Map<GcKind, GcPauseTotal>(
  gcKinds.map((kind) => [kind, { count: 0, seconds: 0 }]),
);
let observer: PerformanceObserver | undefined;

/**
 * The pauses since the first call (which starts observing; entries reach the observer a little
 * after each GC, from the event loop). Counts and seconds only grow.
 */
export function gcPauseTotals(): ReadonlyMap<GcKind, Readonly<GcPauseTotal>> {
  if (!observer) {
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
        const kind = kindOf.get(detail?.kind ?? -1);
        const total = kind && totals.get(kind);
        if (!total) continue;
        total.count += 1;
        total.seconds += entry.duration / 1000;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  }
  return totals;
}
