// What each production stage of the gateway costs per request: the bench's production config
// (every stage on), the same config with one stage off at a time, with all of them off, and the
// bare proxy, side by side (one process each, all started before the first round) and measured in
// interleaved max-rate rounds, so the host's drifting load falls on every variant alike. A stage's
// cost is the CPU per request of "all" minus that of "without-<stage>".
//
//   npm run bench:stages                          # chat, 5 rounds of 3 s per target
//   npm run bench:stages -- --scenario chat-stream --rounds 8 --seconds 3
//   npm run bench:stages -- --stages traces,log   # only these "without" variants
//   npm run bench:stages -- --json                # the results JSON on stdout
//
// Loopback only; bounded by --rounds × --seconds per target. Results: bench/results/stage-costs.json.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayNodeFlags } from '../../src/cli/node-flags.js';
import { baseGatewayConfig } from '../gateway-config.js';
import { readCpuSnapshot } from '../load/process-cpu.js';
import { runMaxRate } from '../load/run-max-rate.js';
import { machineInfo } from '../machine-info.js';
import { numberOption, parseBenchArgs, refuseBenchArgs } from '../parse-bench-args.js';
import { checkTarget, waitForTraceStore } from '../run-scenarios.js';
import { repoRoot } from '../runtime.js';
import { allScenarios } from '../scenarios/all-scenarios.js';
import { findFreePort, startChild, type BenchChild } from '../start-child.js';
import {
  stageCosts,
  stageLabels,
  stageNames,
  summarizeRounds,
  variantsFor,
  withStagesOff,
  type StageName,
  type StageRound,
} from './stage-variants.js';

const usage = `usage: npm run bench:stages -- [options]
  --scenario NAME   chat (default) or chat-stream (a scenario with a config of its own has no variants)
  --rounds N        interleaved max-rate rounds per target (default 5)
  --seconds S       seconds per round (default 3)
  --prime S         seconds of unrecorded load per target first (default 3)
  --connections N   connections of the max-rate runs (default 32)
  --stages LIST     only these "without" variants (${stageNames.join(', ')})
  --out PATH        results file (default bench/results/stage-costs.json)
  --json            print the results JSON instead of the table`;

const values = parseBenchArgs(
  {
    scenario: { type: 'string', default: 'chat' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    prime: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    stages: { type: 'string' },
    out: { type: 'string', default: join(repoRoot, 'bench/results/stage-costs.json') },
    json: { type: 'boolean', default: false },
  },
  usage,
);
const refuse: (message: string) => never = (message) => refuseBenchArgs(message, usage);
const scenario = allScenarios.find((candidate) => candidate.name === values.scenario);
if (!scenario) refuse(`unknown scenario ${values.scenario}`);
if (scenario.gatewayConfig) refuse(`${scenario.name} has a config of its own: no stage variants`);
const stages = (values.stages?.split(',') ?? stageNames) as StageName[];
for (const stage of stages) {
  if (!stageNames.includes(stage)) refuse(`unknown stage ${stage}`);
}
for (const name of ['rounds', 'seconds', 'prime', 'connections'] as const) {
  numberOption(name, values[name], usage);
}
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const log = (line: string) => process.stderr.write(`${line}\n`);

const directory = mkdtempSync(join(tmpdir(), 'switchyard-stages-'));
const children: BenchChild[] = [];
const cleanUp = () => rmSync(directory, { recursive: true, force: true });
process.once('exit', cleanUp);

try {
  const machine = machineInfo();
  log(
    `switchyard bench:stages · ${scenario.name} · ${machine.cpus} CPUs · node ${machine.node} · load ${machine.loadAverage.join(' ')}`,
  );
  const emulator = await startChild({
    name: 'emulator',
    entry: 'emulator/main',
    args: ['--kind', scenario.upstreamKind, '--port', '0', '--no-record'],
    ready: { type: 'stdout-url' },
  });
  children.push(emulator);
  const targets: { name: string; child: BenchChild; request: typeof scenario.gatewayRequest }[] =
    [];
  const bare = await startChild({
    name: 'bare-proxy',
    entry: 'bench/bare-proxy-main',
    args: ['--upstream', emulator.url],
    execArgv: [...gatewayNodeFlags],
    ready: { type: 'stdout-url' },
  });
  children.push(bare);
  targets.push({ name: 'bare-proxy', child: bare, request: scenario.upstreamRequest });
  for (const variant of variantsFor(stages)) {
    const port = await findFreePort();
    const dataDir = join(directory, variant.name);
    const config = withStagesOff(
      baseGatewayConfig({
        port,
        upstreamUrl: emulator.url,
        upstreamKind: scenario.upstreamKind,
        dataDir,
      }),
      variant.off,
    );
    const path = join(directory, `${variant.name}.yaml`);
    writeFileSync(path, stringify(config));
    log(`starting gateway ${variant.name}`);
    const child = await startChild({
      name: `gateway ${variant.name}`,
      entry: 'src/main',
      args: ['serve', '--config', path],
      execArgv: [...gatewayNodeFlags],
      ready: { type: 'health', url: `http://127.0.0.1:${port}`, healthPath: '/healthz' },
    });
    children.push(child);
    targets.push({ name: variant.name, child, request: scenario.gatewayRequest });
  }
  for (const target of targets) {
    await checkTarget(
      target.name === 'bare-proxy' ? 'bare-proxy' : 'gateway',
      target.child.url,
      scenario,
    );
    if (target.name !== 'bare-proxy') await waitForTraceStore(target.child.url, log);
  }
  for (const target of targets) {
    log(`priming ${target.name} (${values.prime} s)`);
    await runMaxRate({
      url: target.child.url,
      request: target.request,
      connections: Number(values.connections),
      durationMs: Number(values.prime) * 1000,
    });
  }
  const measured = new Map<string, StageRound[]>(targets.map((target) => [target.name, []]));
  for (let round = 1; round <= rounds; round += 1) {
    log(`round ${round}/${rounds}`);
    for (const target of targets) {
      const before = readCpuSnapshot(target.child.pid);
      const result = await runMaxRate({
        url: target.child.url,
        request: target.request,
        connections: Number(values.connections),
        durationMs: seconds * 1000,
      });
      // The trace rows of the round are written by the PGlite child after it: let it finish.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = readCpuSnapshot(target.child.pid);
      if (result.errors > 0) throw new Error(`${target.name}: ${result.errors} errors in a round`);
      measured.get(target.name)!.push({
        requests: result.completed,
        seconds: result.durationS,
        mainMs: (after?.mainThreadMs ?? 0) - (before?.mainThreadMs ?? 0),
        totalMs: (after?.totalMs ?? 0) - (before?.totalMs ?? 0),
      });
    }
  }
  const summaries = targets.map((target) =>
    summarizeRounds(target.name, measured.get(target.name)!),
  );
  const costs = stageCosts(summaries);
  const results = {
    schema: 'switchyard-bench-stages/1',
    startedAt: new Date().toISOString(),
    command: `npm run bench:stages -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    scenario: scenario.name,
    settings: { rounds, seconds, connections: Number(values.connections) },
    targets: summaries,
    stageCosts: costs,
  };
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    const bareSummary = summaries[0]!;
    const lines = [
      '',
      `${scenario.name}, max rate, ${rounds} interleaved rounds of ${seconds} s; CPU µs per request (main thread | all threads and child processes)`,
      `${'target'.padEnd(18)} ${'req/s'.padStart(7)} ${'÷ bare'.padStart(7)} ${'main µs'.padStart(8)} ${'all µs'.padStart(8)}`,
      ...summaries.map(
        (summary) =>
          `${summary.name.padEnd(18)} ${summary.medianRps.toFixed(0).padStart(7)} ${`${Math.round((100 * summary.medianRps) / bareSummary.medianRps)} %`.padStart(7)} ${summary.mainUs.toFixed(0).padStart(8)} ${summary.totalUs.toFixed(0).padStart(8)}`,
      ),
      '',
      'what each stage costs (all − without it), µs per request: main thread | in all',
      ...costs.map(
        (cost) =>
          `  ${stageLabels[cost.stage].padEnd(54)} ${cost.mainUs.toFixed(0).padStart(5)} | ${cost.totalUs.toFixed(0).padStart(5)}`,
      ),
      "(a few µs either way is within this host's noise; compare runs, not single figures)",
      `results: ${values.out}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  await Promise.all(children.map((child) => child.stop()));
  cleanUp();
}
