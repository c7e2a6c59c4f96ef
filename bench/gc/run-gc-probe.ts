// GC probe: one target (the gateway with the bench config, or the bare proxy) over the emulator at
// max rate, with V8's --trace-gc-nvp, reporting its main isolate's young-generation GCs — how much
// survived and was promoted per scavenge, and the pauses — beside req/s and CPU per request, and
// the bytes it allocated per request on its JS heap, exactly (allocation-preload.ts: what sets how
// often it scavenges, and unlike latency, not moved by the host's noise). It is how the eighth
// session found what kept streams alive through scavenges (BENCHMARKS.md).
//
//   npm run bench:gc -- [--scenario NAME] [--target gateway|bare-proxy]
//                       [--seconds 6] [--prime 3] [--wait 0] [--rounds 1]
//                       [--no-default-flags] [--node-flag FLAG ...]
//
// --scenario: one of bench/scenarios (chat, chat-stream, chat-stream-openai-to-anthropic).
// --wait S: seconds between the target's start and the load (e.g. let the embedded trace store
// open first). --no-default-flags: without the gateway's own Node flags (src/cli/node-flags.ts);
// --node-flag: extra ones (repeatable), e.g. --node-flag=--no-allocation-site-pretenuring.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { gatewayNodeFlags } from '../../src/cli/node-flags.js';
import { baseGatewayConfig } from '../gateway-config.js';
import { cpuUsage, readCpuSnapshot } from '../load/process-cpu.js';
import { numberOption, parseBenchArgs, refuseBenchArgs } from '../parse-bench-args.js';
import { allScenarios } from '../scenarios/all-scenarios.js';
import { fromSource } from '../runtime.js';
import { requestTargetReport, signalTarget } from '../target-report.js';
import { findFreePort, startChild, type BenchChild } from '../start-child.js';
import { allocationFile, type AllocationWindow } from './allocation.js';
import { summarizeScavenges, type ScavengeSummary } from './young-gc-trace.js';

const usage = `usage: npm run bench:gc -- [options]
  --scenario NAME       ${allScenarios.map((candidate) => candidate.name).join(', ')} (default chat-stream)
  --target T            gateway (default) or bare-proxy
  --seconds S           measured seconds per round (default 6)
  --prime S             seconds of unrecorded load first (default 3)
  --wait S              seconds between the target's start and the load (default 0)
  --rounds N            rounds (default 1)
  --connections N       connections (default 32)
  --no-default-flags    without the gateway's own Node flags
  --node-flag FLAG      an extra Node flag for the target (repeatable)`;
const values = parseBenchArgs(
  {
    scenario: { type: 'string', default: 'chat-stream' },
    target: { type: 'string', default: 'gateway' },
    seconds: { type: 'string', default: '6' },
    prime: { type: 'string', default: '3' },
    wait: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '1' },
    connections: { type: 'string', default: '32' },
    'no-default-flags': { type: 'boolean', default: false },
    'node-flag': { type: 'string', multiple: true, default: [] },
  },
  usage,
);
for (const name of ['seconds', 'prime', 'wait', 'rounds', 'connections'] as const) {
  numberOption(name, values[name], usage);
}
const scenario = allScenarios.find((candidate) => candidate.name === values.scenario);
if (!scenario) refuseBenchArgs(`--scenario: unknown scenario ${values.scenario}`, usage);
const target = values.target;
if (target !== 'gateway' && target !== 'bare-proxy') {
  refuseBenchArgs(`--target: gateway or bare-proxy, not ${target}`, usage);
}
// The preload beside this file: compiled (npm run bench:gc builds first), or its source under tsx.
const preload = join(
  dirname(fileURLToPath(import.meta.url)),
  fromSource ? 'allocation-preload.ts' : 'allocation-preload.js',
);
if (!existsSync(preload)) refuseBenchArgs(`${preload} is missing: run npm run build`, usage);
const flags = [
  ...(values['no-default-flags'] ? [] : gatewayNodeFlags),
  ...values['node-flag'],
  '--trace-gc-nvp',
  '--import',
  preload,
];
const directory = mkdtempSync(join(tmpdir(), 'switchyard-gc-probe-'));
process.once('exit', () => rmSync(directory, { recursive: true, force: true }));

interface RoundResult extends ScavengeSummary {
  rps: number;
  cpuUsPerRequest: number | undefined;
  allocation: AllocationWindow;
}

async function runRound(emulatorUrl: string, round: number): Promise<RoundResult> {
  // V8 prints its GC trace on stdout (with the gateway's request log, or the proxy's URL line).
  const tracePath = join(directory, `trace-${round}.txt`);
  let child: BenchChild;
  if (target === 'gateway') {
    const port = await findFreePort();
    const configPath = join(directory, `gateway-${round}.yaml`);
    const config = (scenario!.gatewayConfig ?? baseGatewayConfig)({
      upstreamUrl: emulatorUrl,
      upstreamKind: scenario!.upstreamKind,
      port,
      dataDir: join(directory, `data-${round}`),
    });
    writeFileSync(configPath, stringify(config));
    child = await startChild({
      name: 'gateway',
      entry: 'src/main',
      args: ['serve', '--config', configPath],
      execArgv: flags,
      ready: { type: 'health', url: `http://127.0.0.1:${port}`, healthPath: '/healthz' },
      stdoutFile: tracePath,
    });
  } else {
    child = await startChild({
      name: 'bare proxy',
      entry: 'bench/bare-proxy-main',
      args: ['--upstream', emulatorUrl],
      execArgv: flags,
      ready: { type: 'stdout-url' },
      stdoutFile: tracePath,
    });
  }
  try {
    await sleep(Number(values.wait) * 1000);
    const sent = target === 'gateway' ? scenario!.gatewayRequest : scenario!.upstreamRequest;
    const load = (seconds: number) =>
      autocannon({
        url: child.url + sent.path,
        method: 'POST',
        headers: sent.headers,
        body: sent.body,
        connections: Number(values.connections),
        duration: seconds,
      });
    await load(Number(values.prime));
    // The trace reaches its file through this process: let the lines already printed land.
    await sleep(200);
    const linesBefore = readFileSync(tracePath, 'utf8').split('\n').length;
    const cpuBefore = readCpuSnapshot(child.pid);
    // The target's allocation window (allocation-preload.ts): opened, then closed and read.
    signalTarget(child.pid, allocationFile(child.pid));
    const result = await load(Number(values.seconds));
    const allocation = await requestTargetReport<AllocationWindow>(
      child.pid,
      allocationFile(child.pid),
    );
    const cpuAfter = readCpuSnapshot(child.pid);
    await sleep(200);
    const lines = readFileSync(tracePath, 'utf8').split('\n').slice(linesBefore);
    const cpu = cpuUsage(cpuBefore, cpuAfter, result.requests.total);
    return {
      ...summarizeScavenges(lines),
      rps: Math.round(result['2xx'] / result.duration),
      cpuUsPerRequest: cpu ? Math.round(cpu.msPerRequest * 1000) : undefined,
      allocation,
    };
  } finally {
    await child.stop();
  }
}

const emulator = await startChild({
  name: `emulator (${scenario.upstreamKind})`,
  entry: 'emulator/main',
  args: ['--kind', scenario.upstreamKind, '--port', '0', '--no-record'],
  ready: { type: 'stdout-url' },
});
const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
try {
  console.log(`${scenario.name} · ${target} · node ${flags.join(' ')}`);
  for (let round = 1; round <= Number(values.rounds); round += 1) {
    const r = await runRound(emulator.url, round);
    console.log(
      `round ${round}: ${r.rps} req/s, ${r.cpuUsPerRequest ?? '?'} µs CPU/request; ` +
        `${r.scavenges} scavenges: allocated ${mb(r.allocatedBytes)} MB, survived ` +
        `${mb(r.survivedBytes)} MB, promoted ${mb(r.promotedBytes)} MB each (avg); pause avg ` +
        `${r.pauseMs.toFixed(1)} ms, max ${r.maxPauseMs.toFixed(1)} ms; ${r.markCompacts} mark-compacts`,
    );
    const a = r.allocation;
    console.log(
      `  allocated ${(a.allocatedBytes / a.requests / 1024).toFixed(2)} KB a request on the JS heap ` +
        `(exact: ${mb(a.allocatedBytes)} MB over ${a.requests} requests; ${a.scavenges} scavenges, ` +
        `${a.otherGcs} other GCs, ${a.gcMs.toFixed(1)} ms of GC)`,
    );
  }
} finally {
  await emulator.stop();
}
