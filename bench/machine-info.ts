// The machine a run happened on, recorded with every result (figures mean little without it).

import { readFileSync } from 'node:fs';
import { readDamonStatus, type DamonStatus } from './host/damon-status.js';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemoryMiB: number;
  /** 1, 5 and 15 minute load averages when the run started: > cpus means a busy machine. */
  loadAverage: number[];
  /**
   * Linux DAMON, when its kernel thread runs: it stops every process on the bench host for
   * 10–35 ms every ~540 ms under load (BENCHMARKS.md, "Host stalls"; `npm run bench:host`).
   */
  damon?: DamonStatus;
}

function cpuModel(): string {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const match = /^model name\s*:\s*(.+)$/m.exec(text);
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(): MachineInfo {
  const damon = readDamonStatus();
  return {
    cpus: availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    platform: `${platform()} ${release()}`,
    totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
    ...(damon?.running ? { damon } : {}),
  };
}
