// CPU time a target process used during a run (Linux /proc; all its threads, user + system). On a
// shared machine wall-clock latency is noisy, but CPU time per request is a steadier figure of a
// target's own cost, and 1000 / (CPU ms per request) is its "requests per second per core".

import { readFileSync } from 'node:fs';

/** USER_HZ: 100 on every mainstream Linux build (getconf CLK_TCK). */
const ticksPerSecond = 100;

export interface CpuUsage {
  /** CPU ms of the target process per request served in the run (warm-up included). */
  msPerRequest: number;
  /** 1000 / msPerRequest. */
  requestsPerCoreSecond: number;
}

/** Total CPU ms of a process so far, or undefined where /proc is not available. */
export function readProcessCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name start at field 3 (state); utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond : undefined;
  } catch {
    return undefined;
  }
}

export function cpuUsage(
  beforeMs: number | undefined,
  afterMs: number | undefined,
  requests: number,
): CpuUsage | undefined {
  if (beforeMs === undefined || afterMs === undefined || requests <= 0) return undefined;
  const msPerRequest = (afterMs - beforeMs) / requests;
  return {
    msPerRequest: Math.round(msPerRequest * 10_000) / 10_000,
    requestsPerCoreSecond: msPerRequest > 0 ? Math.round(1000 / msPerRequest) : 0,
  };
}
