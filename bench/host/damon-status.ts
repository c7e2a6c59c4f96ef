// Whether the Linux kernel's DAMON (Data Access MONitor) is running on this machine, and how: its
// kernel thread (kdamond) samples memory access bits on a fixed interval and, with a reclaim scheme,
// pages memory out. On the bench host (a Firecracker VM) it runs in physical-address mode every
// 500 ms, and every process on the machine stalls for 10–35 ms each time (BENCHMARKS.md, "Host
// stalls"): latency percentiles above ~p98 measure those stalls as much as the targets.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DamonStatus {
  /** kdamond threads whose state is "on". */
  running: number;
  /** Per running kdamond context: address space ('paddr', 'vaddr', …), sampling interval, actions. */
  contexts: { operations: string; sampleUs: number; aggregateUs: number; actions: string[] }[];
}

const defaultRoot = '/sys/kernel/mm/damon/admin/kdamonds';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function numbered(directory: string): string[] {
  try {
    return readdirSync(directory).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
}

/** DAMON's sysfs admin interface; undefined when the kernel has none (not Linux, no DAMON). */
export function readDamonStatus(root: string = defaultRoot): DamonStatus | undefined {
  const kdamonds = numbered(root);
  if (kdamonds.length === 0) return undefined;
  const status: DamonStatus = { running: 0, contexts: [] };
  for (const kdamond of kdamonds) {
    if (read(join(root, kdamond, 'state')) !== 'on') continue;
    status.running += 1;
    const contexts = join(root, kdamond, 'contexts');
    for (const context of numbered(contexts)) {
      const base = join(contexts, context);
      const intervals = join(base, 'monitoring_attrs', 'intervals');
      const schemes = join(base, 'schemes');
      status.contexts.push({
        operations: read(join(base, 'operations')) ?? 'unknown',
        sampleUs: Number(read(join(intervals, 'sample_us')) ?? Number.NaN),
        aggregateUs: Number(read(join(intervals, 'aggr_us')) ?? Number.NaN),
        actions: numbered(schemes).map((scheme) => read(join(schemes, scheme, 'action')) ?? '?'),
      });
    }
  }
  return status;
}

/** One line for a results header, e.g. "DAMON on: paddr every 500 ms (pageout)"; '' when off. */
export function describeDamon(status: DamonStatus | undefined): string {
  if (!status || status.running === 0) return '';
  const contexts = status.contexts.map((context) => {
    const every = Number.isFinite(context.sampleUs) ? ` every ${context.sampleUs / 1000} ms` : '';
    const actions = context.actions.length ? ` (${context.actions.join(', ')})` : '';
    return `${context.operations}${every}${actions}`;
  });
  return `DAMON on: ${contexts.join('; ') || `${status.running} kdamond`}`;
}
