// How a harness gets a report from a preload loaded into a benchmark target (bench:segments' marks,
// bench:gc's allocation window): the harness sends SIGUSR2, the preload writes JSON to a file the
// pid names (atomically: a temp file renamed), and the harness waits for that file and reads it.

import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The preload's side: the report, whole or not at all. */
export function writeTargetReport(path: string, report: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(report));
  renameSync(`${path}.tmp`, path);
}

/** Sends the target SIGUSR2 with no report awaited (e.g. to open a window); clears a stale one. */
export function signalTarget(pid: number, path: string): void {
  rmSync(path, { force: true });
  process.kill(pid, 'SIGUSR2');
}

/** Sends the target SIGUSR2 and answers the report it writes to `path` (5 s at most). */
export async function requestTargetReport<T>(pid: number, path: string): Promise<T> {
  signalTarget(pid, path);
  for (let tries = 0; tries < 200; tries += 1) {
    if (existsSync(path)) {
      const report = JSON.parse(readFileSync(path, 'utf8')) as T;
      rmSync(path, { force: true });
      return report;
    }
    await sleep(25);
  }
  throw new Error(`target ${pid} wrote no report to ${path}`);
}
