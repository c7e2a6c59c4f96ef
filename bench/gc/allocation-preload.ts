// Loaded into a benchmark target (`node --import …/allocation-preload.js`: the gateway, the bare
// proxy) by `npm run bench:gc`. The first SIGUSR2 opens a window (the JS heap's used size, the
// requests started so far, v8.GCProfiler started); the next closes it and writes what it measured
// (allocation.ts: bytes allocated exactly, requests, GCs) to allocationFile(pid). Requests are
// counted through Node's diagnostics channel: no change to the target's own code.

import { subscribe } from 'node:diagnostics_channel';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import {
  allocatedBytes,
  allocationFile,
  type AllocationWindow,
  type ProfiledGc,
} from './allocation.js';
import { writeTargetReport } from '../target-report.js';

let requests = 0;
subscribe('http.server.request.start', () => {
  requests += 1;
});

let open: { profiler: GCProfiler; used: number; requests: number } | undefined;

process.on('SIGUSR2', () => {
  if (!open) {
    const profiler = new GCProfiler();
    profiler.start();
    open = { profiler, used: getHeapStatistics().used_heap_size, requests };
    return;
  }
  const usedAtEnd = getHeapStatistics().used_heap_size;
  const gcs = (open.profiler.stop()?.statistics ?? []) as unknown as (ProfiledGc & {
    cost: number;
  })[];
  const scavenges = gcs.filter((gc) => gc.gcType === 'Scavenge').length;
  const window: AllocationWindow = {
    requests: requests - open.requests,
    allocatedBytes: allocatedBytes(open.used, gcs, usedAtEnd),
    scavenges,
    otherGcs: gcs.length - scavenges,
    // GCProfiler's cost is in microseconds.
    gcMs: gcs.reduce((sum, gc) => sum + gc.cost, 0) / 1000,
  };
  open = undefined;
  writeTargetReport(allocationFile(process.pid), window);
});
