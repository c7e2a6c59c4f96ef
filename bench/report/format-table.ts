// Terminal output: one row per run, then the SPEC §3 verdicts in words.

import { describeDamon } from '../host/damon-status.js';
import type { CpuUsage } from '../load/process-cpu.js';
import type { FixedRateResult } from '../load/run-fixed-rate.js';
import type { MachineInfo } from '../machine-info.js';
import type { ScenarioResult } from '../run-scenarios.js';
import { targetNames, targets, type AddedLatency } from './compare-targets.js';

function cell(value: number | string | undefined, width: number): string {
  const text =
    value === undefined
      ? '-'
      : typeof value === 'number'
        ? Number.isFinite(value)
          ? String(value)
          : '-'
        : value;
  return text.padStart(width);
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

export function formatTable(
  results: readonly ScenarioResult[],
  machine?: Pick<MachineInfo, 'damon'>,
): string {
  const nameWidth = Math.max(8, ...results.map((result) => result.name.length));
  const lines: string[] = [];
  const header =
    'scenario'.padEnd(nameWidth) +
    '  ' +
    'load'.padEnd(9) +
    'target'.padEnd(11) +
    cell('req/s', 9) +
    cell('p50 ms', 9) +
    cell('p99 ms', 9) +
    cell('1st p50', 9) +
    cell('1st p99', 9) +
    cell('µs CPU', 8) +
    cell('main µs', 8) +
    cell('errors', 8);
  lines.push(header, '-'.repeat(header.length));
  for (const result of results) {
    for (const fixed of result.fixed) {
      for (const name of targetNames) {
        const run = fixed.targets[name];
        lines.push(
          result.name.padEnd(nameWidth) +
            '  ' +
            `${fixed.rate}/s`.padEnd(9) +
            name.padEnd(11) +
            cell(run.achievedRps.toFixed(0), 9) +
            cell(ms(run.latencyMs.p50), 9) +
            cell(ms(run.latencyMs.p99), 9) +
            cell(run.firstByteMs ? ms(run.firstByteMs.p50) : undefined, 9) +
            cell(run.firstByteMs ? ms(run.firstByteMs.p99) : undefined, 9) +
            cell(cpuMicros(run.cpu), 8) +
            cell(mainMicros(run.cpu), 8) +
            cell(run.errors, 8),
        );
      }
    }
    for (const name of targetNames) {
      const run = result.max.targets[name];
      lines.push(
        result.name.padEnd(nameWidth) +
          '  ' +
          'max'.padEnd(9) +
          name.padEnd(11) +
          cell(run.rps.toFixed(0), 9) +
          cell(ms(run.latencyMs.p50), 9) +
          cell(ms(run.latencyMs.p99), 9) +
          cell(undefined, 9) +
          cell(undefined, 9) +
          cell(cpuMicros(run.cpu), 8) +
          cell(mainMicros(run.cpu), 8) +
          cell(run.errors, 8),
      );
    }
  }
  let worstLagMs = 0;
  for (const result of results) {
    for (const fixed of result.fixed) {
      for (const name of targetNames) {
        worstLagMs = Math.max(worstLagMs, fixed.targets[name].sendLagMs.p99);
      }
    }
  }
  lines.push(
    '',
    "Latency is timed from each request's scheduled send; 1st = first body byte (streams);",
    'µs CPU = CPU time of the target per request (all its threads and child processes, /proc);',
    'main µs = the part on its main thread (the rest: V8 GC and compiler threads, workers, children).',
  );
  if (worstLagMs > lateGeneratorMs) {
    lines.push(
      `WARNING: the load generator itself sent requests up to ${ms(worstLagMs)} ms late (p99 of a` +
        ' run): the machine is busy, and latency figures are inflated for every target alike.',
    );
  }
  const damon = describeDamon(machine?.damon);
  if (damon) {
    lines.push(
      `NOTE: ${damon}. Under load its kernel thread stops every process here for 10-35 ms every`,
      '~540 ms; p99 falls inside those stalls (BENCHMARKS.md, "Host stalls"; npm run bench:host).',
    );
  }
  lines.push(
    '',
    'SPEC §3 targets (gateway vs the bare undici proxy, both over the same emulator):',
  );
  for (const result of results) {
    for (const fixed of result.fixed) {
      const prefix = `${result.name} @ ${fixed.rate}/s`;
      const { comparison } = fixed;
      lines.push(`  ${prefix}: ${describeAdded('added p50', comparison.p50)}`);
      lines.push(`  ${prefix}: ${describeAdded('added p99', comparison.p99)}`);
      const perRound = describeRoundP99s(fixed.targets);
      if (perRound) lines.push(`  ${prefix}:   (p99 of each round, ms: ${perRound})`);
      const gc = fixed.targets.gateway?.gc;
      if (gc) {
        lines.push(
          `  ${prefix}:   (the gateway's GC pauses in its rounds, warm-up included: ` +
            `${gc.major.count} mark-compacts, ${ms(gc.major.ms)} ms; ` +
            `${gc.minor.count} scavenges, ${ms(gc.minor.ms)} ms` +
            (gc.stalls
              ? `; event-loop stalls of 100 ms or more: ${gc.stalls.count}, ${ms(gc.stalls.ms)} ms)`
              : ')'),
        );
      }
      if (comparison.firstByte) {
        const first = comparison.firstByte;
        lines.push(
          `  ${prefix}: ${describeAdded('added first-byte p50', first.p50)}`,
          `  ${prefix}: first byte gateway − bare proxy p50 = ${ms(first.gatewayMinusBareProxyP50Ms)} ms` +
            ` (target ≤ ${targets.maxFirstByteGapMs} ms) ${first.verdict.toUpperCase()}`,
        );
      }
    }
    const max = result.max;
    lines.push(
      `  ${result.name} max rate: throughput gateway ${max.targets.gateway.rps.toFixed(0)} / bare proxy ` +
        `${max.targets['bare-proxy'].rps.toFixed(0)} req/s = ${(max.comparison.gatewayToBareProxy * 100).toFixed(0)} %` +
        ` (target ≥ ${targets.minThroughputRatio * 100} %) ${max.comparison.verdict.toUpperCase()}`,
    );
    if (max.comparison.perCoreGatewayToBareProxy !== null) {
      lines.push(
        `  ${result.name} max rate: req/s per core (from CPU time) gateway / bare proxy = ` +
          `${(max.comparison.perCoreGatewayToBareProxy * 100).toFixed(0)} %` +
          (max.comparison.mainThreadGatewayToBareProxy !== null
            ? `, main threads alone ${(max.comparison.mainThreadGatewayToBareProxy * 100).toFixed(0)} %`
            : ''),
      );
    }
    const database = max.targets.gateway.databaseCpu;
    const bare = max.targets['bare-proxy'].cpu;
    const gateway = max.targets.gateway.cpu;
    if (database && bare && gateway) {
      const withDatabase = bare.msPerRequest / (gateway.msPerRequest + database.msPerRequest);
      lines.push(
        `  ${result.name} max rate: the PostgreSQL server's CPU in the gateway's rounds ` +
          `${Math.round(database.msPerRequest * 1000)} µs/request (in no target's figure); ` +
          `per core with it, gateway / bare proxy = ${(withDatabase * 100).toFixed(0)} %`,
      );
    }
  }
  return lines.join('\n');
}

/** Above this p99 send lag the generator was descheduled, not just rounding to timer ticks. */
const lateGeneratorMs = 5;

function mainMicros(cpu: CpuUsage | undefined): string | undefined {
  return cpu?.mainThreadMsPerRequest !== undefined
    ? (cpu.mainThreadMsPerRequest * 1000).toFixed(0)
    : undefined;
}

function cpuMicros(cpu: CpuUsage | undefined): string | undefined {
  return cpu ? (cpu.msPerRequest * 1000).toFixed(0) : undefined;
}

function describeAdded(label: string, added: AddedLatency): string {
  const ratio =
    added.ratio === null ? 'no ratio (bare proxy added ≤ 0 ms)' : `${added.ratio.toFixed(2)}×`;
  return (
    `${label} gateway ${ms(added.gatewayMs)} ms vs bare proxy ${ms(added.bareProxyMs)} ms = ${ratio}` +
    ` (target ≤ ${targets.maxAddedRatio}×) ${added.verdict.toUpperCase()}`
  );
}

/** Each target's per-round p99s (`emulator 6.1 · 7.2 · 18.5; bare proxy …`); undefined for one round. */
function describeRoundP99s(
  runs: Partial<Record<(typeof targetNames)[number], FixedRateResult>>,
): string | undefined {
  const parts: string[] = [];
  for (const name of targetNames) {
    const rounds = runs[name]?.roundLatencyMs;
    if (!rounds) return undefined;
    parts.push(`${name.replace('-', ' ')} ${rounds.map((round) => ms(round.p99)).join(' · ')}`);
  }
  return parts.join('; ');
}
