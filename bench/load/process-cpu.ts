// CPU time a target process used during a run (Linux /proc; all its threads, user + system). On a
// shared machine wall-clock latency is noisy, but CPU time per request is a steadier figure of a
// target's own cost, and 1000 / (CPU ms per request) is its "requests per second per core".
// The main thread (the event loop) is counted apart too: the rest is V8's helper threads (GC,
// compilation), worker threads, and the process's children (the gateway's embedded databases run
// in child processes since the ninth session; their CPU is the gateway's cost as it was when they
// were its threads).

import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: 100 on every mainstream Linux build (getconf CLK_TCK). */
const ticksPerSecond = 100;

export interface CpuUsage {
  /** CPU ms of the target process per request served in the run (warm-up included). */
  msPerRequest: number;
  /** The part of msPerRequest spent on the main thread (the event loop). */
  mainThreadMsPerRequest?: number;
  /** 1000 / msPerRequest. */
  requestsPerCoreSecond: number;
}

/** CPU ms (utime + stime) from the text of a /proc stat file. */
function statCpuMs(stat: string): number | undefined {
  // Fields after the parenthesised command name start at field 3 (state); utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond : undefined;
}

/** CPU ms from a /proc stat file (a process: all its threads; a task: that thread alone). */
function readStatCpuMs(path: string): number | undefined {
  try {
    return statCpuMs(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Calls `visit` with each live process's id and stat text; false where /proc is not readable. */
function eachProcessStat(visit: (pid: number, stat: string) => void): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return false;
  }
  for (const entry of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    visit(Number(entry), stat);
  }
  return true;
}

/** The live descendants of a process (children, their children, …), from each process's ppid. */
export function descendantPids(pid: number): number[] {
  const childrenOf = new Map<number, number[]>();
  eachProcessStat((child, stat) => {
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const siblings = childrenOf.get(ppid) ?? [];
    siblings.push(child);
    childrenOf.set(ppid, siblings);
  });
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of childrenOf.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Total CPU ms so far of a process and its live descendants, or undefined where /proc is not
 * available. (A descendant that ends between two readings takes its CPU with it: the bench's
 * targets keep theirs for the whole run.)
 */
export function readProcessCpuMs(pid: number): number | undefined {
  const own = readStatCpuMs(`/proc/${pid}/stat`);
  if (own === undefined) return undefined;
  return descendantPids(pid).reduce(
    (sum, child) => sum + (readStatCpuMs(`/proc/${child}/stat`) ?? 0),
    own,
  );
}

/**
 * Total CPU ms so far of every live process whose command name (`/proc/<pid>/stat`'s second
 * field) is `command`; undefined where /proc is not available. For a server the bench does not
 * start (PostgreSQL: the postmaster and its backends are all `postgres`), whose CPU is otherwise
 * in no target's figure although it shares the cores.
 */
export function readCommandCpuMs(command: string): number | undefined {
  let total = 0;
  const readable = eachProcessStat((_pid, stat) => {
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== command) return;
    total += statCpuMs(stat) ?? 0;
  });
  return readable ? total : undefined;
}

export interface CpuSnapshot {
  totalMs: number;
  /** The main thread's (its task id is the process id); undefined where /proc has no tasks. */
  mainThreadMs: number | undefined;
}

/** CPU ms of a process so far, in all and on its main thread. */
export function readCpuSnapshot(pid: number): CpuSnapshot | undefined {
  const totalMs = readProcessCpuMs(pid);
  if (totalMs === undefined) return undefined;
  return { totalMs, mainThreadMs: readStatCpuMs(`/proc/${pid}/task/${pid}/stat`) };
}

const asSnapshot = (cpu: number | CpuSnapshot): CpuSnapshot =>
  typeof cpu === 'number' ? { totalMs: cpu, mainThreadMs: undefined } : cpu;

const perRequest = (ms: number) => Math.round(ms * 10_000) / 10_000;

export function cpuUsage(
  before: number | CpuSnapshot | undefined,
  after: number | CpuSnapshot | undefined,
  requests: number,
): CpuUsage | undefined {
  if (before === undefined || after === undefined || requests <= 0) return undefined;
  const start = asSnapshot(before);
  const end = asSnapshot(after);
  const msPerRequest = (end.totalMs - start.totalMs) / requests;
  const usage: CpuUsage = {
    msPerRequest: perRequest(msPerRequest),
    requestsPerCoreSecond: msPerRequest > 0 ? Math.round(1000 / msPerRequest) : 0,
  };
  if (start.mainThreadMs !== undefined && end.mainThreadMs !== undefined) {
    usage.mainThreadMsPerRequest = perRequest((end.mainThreadMs - start.mainThreadMs) / requests);
  }
  return usage;
}

/** CPU over several runs of one target (interleaved rounds): their deltas and requests summed. */
export interface CpuTally {
  add(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined, requests: number): void;
  /** Undefined when any run had no reading (no /proc). */
  usage(): CpuUsage | undefined;
}

export function createCpuTally(): CpuTally {
  let totalMs = 0;
  let mainThreadMs: number | undefined = 0;
  let requests = 0;
  let missing = false;
  return {
    add(before, after, count) {
      if (before === undefined || after === undefined) {
        missing = true;
        return;
      }
      totalMs += after.totalMs - before.totalMs;
      mainThreadMs =
        mainThreadMs === undefined ||
        before.mainThreadMs === undefined ||
        after.mainThreadMs === undefined
          ? undefined
          : mainThreadMs + (after.mainThreadMs - before.mainThreadMs);
      requests += count;
    },
    usage() {
      if (missing) return undefined;
      return cpuUsage({ totalMs: 0, mainThreadMs: 0 }, { totalMs, mainThreadMs }, requests);
    },
  };
}
