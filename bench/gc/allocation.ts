// Bytes a process allocated on its JS heap between two instants, exactly: the heap's used size at
// the start, then for each GC in between what the heap held just before it (the growth since the
// last GC, or the start, is what was allocated) and just after it, and the used size at the end.
// The scavenge trace (young-gc-trace.ts) reports `allocated` per GC only, so a window cut between
// GCs is off by up to a young generation (tens of MB: several KB a request over a few seconds);
// this is not. What allocation-preload.ts reports, and run-gc-probe.ts shows per request.

import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One GC as v8.GCProfiler reports it (only the fields used here). */
export interface ProfiledGc {
  gcType: string;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

export interface AllocationWindow {
  /** Requests the server started in the window. */
  requests: number;
  /** Bytes allocated on the JS heap in the window. */
  allocatedBytes: number;
  scavenges: number;
  otherGcs: number;
  /** Sum of the GCs' own durations as the profiler timed them (ms). */
  gcMs: number;
}

export function allocatedBytes(
  usedAtStart: number,
  gcs: readonly ProfiledGc[],
  usedAtEnd: number,
): number {
  let total = 0;
  let used = usedAtStart;
  for (const gc of gcs) {
    total += gc.beforeGC.heapStatistics.usedHeapSize - used;
    used = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return total + usedAtEnd - used;
}

/** Where a target's preload writes its window when it gets its second SIGUSR2. */
export function allocationFile(pid: number): string {
  return join(tmpdir(), `switchyard-allocation-${pid}.json`);
}
