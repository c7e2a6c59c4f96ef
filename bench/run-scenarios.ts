// The benchmark harness: for each scenario, fixed-rate runs at each rate then max-rate runs, each
// against the emulator directly, the bare proxy and the gateway in turn, in interleaved rounds (so
// the machine's drifting background load falls on the three figures being compared alike).

import { request } from 'undici';
import { addGcDelta, noGcPauses, readGatewayGc, type GcPauses } from './load/gateway-gc.js';
import {
  createCpuTally,
  readCommandCpuMs,
  readCpuSnapshot,
  type CpuSnapshot,
  type CpuUsage,
} from './load/process-cpu.js';
import {
  runFixedRateRound,
  summarizeFixedRate,
  type FixedRateResult,
  type FixedRateRound,
} from './load/run-fixed-rate.js';
import { runMaxRate, summarizeMaxRate, type MaxRateResult } from './load/run-max-rate.js';
import type { SendClock } from './load/send-clock.js';
import {
  compareFixed,
  compareMax,
  targetNames,
  targetsInRound,
  type FixedComparison,
  type MaxComparison,
  type TargetName,
} from './report/compare-targets.js';
import type { BenchRequest, Scenario } from './scenario.js';
import { createTargetSet, type ScenarioTargets } from './targets.js';

export interface BenchSettings {
  /** Fixed rates, req/s. */
  rates: number[];
  fixedDurationMs: number;
  warmupMs: number;
  /**
   * Max-rate load each target gets once per scenario, before any measured run, not recorded: a
   * process just started still compiles its hot code (V8's JIT; the gateway's embedded PGlite
   * WASM tiers up on V8's compiler threads), which is start-up, not per-request overhead.
   */
  primeMs: number;
  maxDurationMs: number;
  /** Connections of the max-rate (closed-loop) runs. */
  maxConnections: number;
  /** Pause between two runs, so one run's tail does not land in the next. */
  settleMs: number;
  /**
   * Each fixed rate and the max rate run as this many rounds, the three targets in turn within
   * each round, in reverse order every other round (targetsInRound: emulator, bare proxy, gateway,
   * gateway, bare proxy, emulator, …), each round a 1/rounds share of the duration; a target's
   * rounds are pooled. A host whose background load drifts over a minute then loads all three
   * alike, where one block per target gave it to whichever ran then.
   */
  rounds: number;
  /** What wakes the fixed-rate generator for each send (FixedRateOptions.sendClock). */
  sendClock?: SendClock;
}

export interface ScenarioResult {
  name: string;
  description: string;
  stream: boolean;
  fixed: Array<{
    rate: number;
    targets: Record<TargetName, FixedRateResult>;
    comparison: FixedComparison;
  }>;
  max: { targets: Record<TargetName, MaxRateResult>; comparison: MaxComparison };
}

export interface RunScenariosOptions {
  scenarios: readonly Scenario[];
  settings: BenchSettings;
  gatewayExecArgv?: string[];
  databaseUrl?: string;
  progress: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function perTarget<T>(make: () => T): Record<TargetName, T> {
  return Object.fromEntries(targetNames.map((name) => [name, make()])) as Record<TargetName, T>;
}

function requestFor(scenario: Scenario, target: TargetName): BenchRequest {
  return target === 'gateway' ? scenario.gatewayRequest : scenario.upstreamRequest;
}

function endMarkerFor(scenario: Scenario, target: TargetName): string | undefined {
  if (!scenario.stream) return undefined;
  if (target === 'gateway') return scenario.streamEndMarker;
  return scenario.upstreamStreamEndMarker ?? scenario.streamEndMarker;
}

function childOf(targets: ScenarioTargets, target: TargetName) {
  if (target === 'emulator') return targets.emulator;
  if (target === 'bare-proxy') return targets.bareProxy;
  return targets.gateway;
}

function urlOf(targets: ScenarioTargets, target: TargetName): string {
  return childOf(targets, target).url;
}

/** One request per target before measuring: a misconfigured target fails loudly, not as numbers. */
export async function checkTarget(
  name: TargetName,
  url: string,
  scenario: Scenario,
): Promise<void> {
  const benchRequest = requestFor(scenario, name);
  const response = await request(url + benchRequest.path, {
    method: 'POST',
    headers: benchRequest.headers,
    body: benchRequest.body,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) {
    throw new Error(
      `${scenario.name}: ${name} answered ${response.statusCode}: ${text.slice(0, 300)}`,
    );
  }
  const marker = endMarkerFor(scenario, name);
  if (marker !== undefined && !text.endsWith(marker)) {
    throw new Error(
      `${scenario.name}: ${name}'s stream did not end with ${JSON.stringify(marker)}`,
    );
  }
}

/**
 * The gateway answers before its trace store is open (the embedded PGlite database initialises in
 * the background, on the gateway's event loop, for seconds on a busy machine). Measuring then would
 * time the start-up, so wait until a trace row was written (the check request's), as /metrics says.
 */
export async function waitForTraceStore(gatewayUrl: string, progress: (line: string) => void) {
  const startedAt = performance.now();
  for (let tries = 0; tries < 600; tries++) {
    const response = await request(`${gatewayUrl}/metrics`);
    const text = await response.body.text();
    if (response.statusCode !== 200) return;
    const match = /^switchyard_trace_rows_written_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
    if (!match) return; // tracing or this metric is off: nothing to wait for
    if (Number(match[1]) >= 1) {
      const waitedS = (performance.now() - startedAt) / 1000;
      if (waitedS > 0.5) progress(`gateway trace store ready after ${waitedS.toFixed(1)} s`);
      return;
    }
    await sleep(100);
  }
  throw new Error('the gateway wrote no trace row within 60 s (trace store not ready)');
}

function describeCpu(cpu: CpuUsage | undefined): string {
  if (!cpu) return '';
  const main =
    cpu.mainThreadMsPerRequest === undefined
      ? ''
      : ` (main thread ${Math.round(cpu.mainThreadMsPerRequest * 1000)})`;
  return `, ${Math.round(cpu.msPerRequest * 1000)} µs CPU/request${main}`;
}

function describeGc(gc: GcPauses | undefined): string {
  if (!gc) return '';
  const pauses = (kind: GcPauses['major']) => `${kind.count} (${kind.ms.toFixed(1)} ms)`;
  const stalls = gc.stalls ? `, event-loop stalls ≥ 100 ms ${pauses(gc.stalls)}` : '';
  return `, GC pauses: mark-compacts ${pauses(gc.major)}, scavenges ${pauses(gc.minor)}${stalls}`;
}

function describeFixed(result: FixedRateResult): string {
  const firstByte = result.firstByteMs
    ? `, first byte p50 ${result.firstByteMs.p50} ms p99 ${result.firstByteMs.p99} ms`
    : '';
  const errors = result.errors ? `, ${result.errors} errors (${result.errorSamples[0]})` : '';
  return `${result.achievedRps} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms${firstByte}${describeCpu(result.cpu)}${describeGc(result.gc)}${errors}`;
}

export async function runScenarios(options: RunScenariosOptions): Promise<ScenarioResult[]> {
  const { settings, progress } = options;
  const roundLabel = (round: number) =>
    settings.rounds > 1 ? ` (round ${round}/${settings.rounds})` : '';
  const targetSet = createTargetSet({
    log: progress,
    ...(options.gatewayExecArgv ? { gatewayExecArgv: options.gatewayExecArgv } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of options.scenarios) {
      const targets = await targetSet.forScenario(scenario);
      for (const name of targetNames) await checkTarget(name, urlOf(targets, name), scenario);
      await waitForTraceStore(targets.gateway.url, progress);
      await scenario.prepare?.({
        gatewayUrl: targets.gateway.url,
        upstreamUrl: targets.emulator.url,
      });

      for (const name of targetNames) {
        if (settings.primeMs <= 0) break;
        progress(`${scenario.name} · priming ${name} (${settings.primeMs / 1000} s at max rate) …`);
        await runMaxRate({
          url: urlOf(targets, name),
          request: requestFor(scenario, name),
          connections: settings.maxConnections,
          durationMs: settings.primeMs,
        });
        await sleep(settings.settleMs);
      }

      const fixed: ScenarioResult['fixed'] = [];
      for (const rate of settings.rates) {
        const rounds = perTarget((): FixedRateRound[] => []);
        const cpu = perTarget(createCpuTally);
        const gatewayGc = noGcPauses();
        for (let round = 1; round <= settings.rounds; round++) {
          for (const name of targetsInRound(round)) {
            progress(`${scenario.name} · ${rate} req/s fixed · ${name}${roundLabel(round)} …`);
            const pid = childOf(targets, name).pid;
            // Before the CPU snapshot: rendering /metrics is not the round's work.
            const gcBefore =
              name === 'gateway' ? await readGatewayGc(targets.gateway.url) : undefined;
            const cpuBefore = readCpuSnapshot(pid);
            const marker = endMarkerFor(scenario, name);
            const run = await runFixedRateRound({
              url: urlOf(targets, name),
              request: requestFor(scenario, name),
              ratePerSecond: rate,
              durationMs: settings.fixedDurationMs / settings.rounds,
              warmupMs: settings.warmupMs,
              stream: scenario.stream,
              ...(marker !== undefined ? { streamEndMarker: marker } : {}),
              ...(settings.sendClock ? { sendClock: settings.sendClock } : {}),
            });
            cpu[name].add(cpuBefore, readCpuSnapshot(pid), run.totalSent);
            if (name === 'gateway') {
              addGcDelta(gatewayGc, gcBefore, await readGatewayGc(targets.gateway.url));
            }
            rounds[name].push(run);
            await sleep(settings.settleMs);
          }
        }
        const runs = {} as Record<TargetName, FixedRateResult>;
        for (const name of targetNames) {
          const run = summarizeFixedRate(
            { ratePerSecond: rate, stream: scenario.stream },
            rounds[name],
          );
          const usage = cpu[name].usage();
          if (usage) run.cpu = usage;
          if (name === 'gateway') run.gc = gatewayGc;
          runs[name] = run;
          progress(`  ${rate} req/s · ${name}: ${describeFixed(run)}`);
        }
        fixed.push({ rate, targets: runs, comparison: compareFixed(runs) });
      }

      const maxRounds = perTarget((): MaxRateResult[] => []);
      const maxCpu = perTarget(createCpuTally);
      // PostgreSQL traces: the server's CPU during the gateway's rounds (only the gateway uses it).
      const databaseCpu = options.databaseUrl ? createCpuTally() : undefined;
      const databaseSnapshot = (): CpuSnapshot | undefined => {
        const totalMs = readCommandCpuMs('postgres');
        return totalMs === undefined ? undefined : { totalMs, mainThreadMs: undefined };
      };
      for (let round = 1; round <= settings.rounds; round++) {
        for (const name of targetsInRound(round)) {
          progress(
            `${scenario.name} · max rate (${settings.maxConnections} connections) · ${name}${roundLabel(round)} …`,
          );
          const pid = childOf(targets, name).pid;
          const databaseBefore = name === 'gateway' ? databaseCpu && databaseSnapshot() : undefined;
          const cpuBefore = readCpuSnapshot(pid);
          const run = await runMaxRate({
            url: urlOf(targets, name),
            request: requestFor(scenario, name),
            connections: settings.maxConnections,
            durationMs: settings.maxDurationMs / settings.rounds,
          });
          maxCpu[name].add(cpuBefore, readCpuSnapshot(pid), run.completed);
          if (name === 'gateway')
            databaseCpu?.add(databaseBefore, databaseSnapshot(), run.completed);
          maxRounds[name].push(run);
          await sleep(settings.settleMs);
        }
      }
      const maxRuns = {} as Record<TargetName, MaxRateResult>;
      for (const name of targetNames) {
        const run = summarizeMaxRate(maxRounds[name]);
        const usage = maxCpu[name].usage();
        if (usage) run.cpu = usage;
        const database = name === 'gateway' ? databaseCpu?.usage() : undefined;
        if (database) run.databaseCpu = database;
        maxRuns[name] = run;
        progress(
          `  max rate · ${name}: ${run.rps} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms` +
            describeCpu(run.cpu) +
            (run.errors ? `, ${run.errors} errors` : ''),
        );
      }
      results.push({
        name: scenario.name,
        description: scenario.description,
        stream: scenario.stream,
        fixed,
        max: { targets: maxRuns, comparison: compareMax(maxRuns) },
      });
    }
  } finally {
    await targetSet.close();
  }
  return results;
}
