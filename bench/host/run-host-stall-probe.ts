// Host stall probe: how often, and for how long, this machine stops running an idle process. An
// event loop with a 1 ms timer and nothing else to do runs for --seconds; every tick later than
// --threshold ms is a stall (the process could not run). Also reports DAMON's state and the CPU its
// kernel threads (kdamond) used meanwhile: on the bench host they are what stops everything, every
// ~540 ms (BENCHMARKS.md, "Host stalls").
//
//   npm run bench:host -- [--seconds 10] [--threshold 4] [--json]

import { readdirSync, readFileSync } from 'node:fs';
import { describeDamon, readDamonStatus } from './damon-status.js';
import { numberOption, parseBenchArgs, refuseBenchArgs } from '../parse-bench-args.js';
import { summarizeStalls, type Stall } from './host-stalls.js';

const usage = `usage: npm run bench:host -- [options]
  --seconds S     how long to watch (default 10)
  --threshold MS  a timer this late or more counts as a stall (default 4)
  --json          print the results JSON instead of the summary`;
const values = parseBenchArgs(
  {
    seconds: { type: 'string', default: '10' },
    threshold: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
  usage,
);
const seconds = numberOption('seconds', values.seconds, usage);
const thresholdMs = numberOption('threshold', values.threshold, usage);
if (!(seconds > 0) || !(thresholdMs > 0)) {
  refuseBenchArgs('--seconds and --threshold: positive numbers', usage);
}

/** CPU nanoseconds run so far by each thread whose name starts with `prefix` (Linux). */
function kernelThreadRunNs(prefix: string): Map<string, number> {
  const found = new Map<string, number>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return found;
  }
  for (const pid of pids) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!name.startsWith(prefix)) continue;
      const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
      found.set(`${name} (pid ${pid})`, ns);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const damon = readDamonStatus();
const before = kernelThreadRunNs('kdamond');
const stalls: Stall[] = [];
const startMs = performance.now();
await new Promise<void>((resolve) => {
  let last = startMs;
  const timer = setInterval(() => {
    const now = performance.now();
    // The timer is due 1 ms after the last tick; what is beyond that is the stall.
    const late = now - last - 1;
    if (late > thresholdMs) stalls.push({ atMs: last - startMs, durationMs: late });
    last = now;
    if (now - startMs >= seconds * 1000) {
      clearInterval(timer);
      resolve();
    }
  }, 1);
});
const observedMs = performance.now() - startMs;
const after = kernelThreadRunNs('kdamond');
const summary = summarizeStalls(stalls, observedMs);
const kdamondCpuMs = [...after].map(([name, ns]) => ({
  name,
  cpuMs: Math.round(((ns - (before.get(name) ?? ns)) / 1e6) * 10) / 10,
}));

if (values.json) {
  console.log(JSON.stringify({ seconds, thresholdMs, damon, kdamondCpuMs, summary }, null, 2));
} else {
  const fixed = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(1));
  console.log(describeDamon(damon) || 'DAMON: not running (or no sysfs interface)');
  for (const { name, cpuMs } of kdamondCpuMs) {
    console.log(`${name}: ${cpuMs} ms of CPU in ${(observedMs / 1000).toFixed(1)} s`);
  }
  console.log(
    `stalls > ${thresholdMs} ms: ${summary.stalls} (${(summary.stalledShare * 100).toFixed(2)} % of ` +
      `the time, longest ${fixed(summary.maxMs)} ms) in ${summary.episodes} episodes; ` +
      `median episode's longest ${fixed(summary.medianEpisodeMaxMs)} ms, ` +
      `median period ${fixed(summary.medianPeriodMs)} ms`,
  );
}
