// Where each target's time goes at a fixed rate, segment by segment (segments.ts): the gateway and
// the bare proxy, each with segment-preload.ts loaded, over the same emulator, in alternating
// rounds. It answers what the end-to-end percentiles of `npm run bench` cannot: whether a target's
// slowest requests lost their time in its own code (`before`, `after`) or around it (the load
// generator, loopback, the event loop's turn, the upstream).
//
//   npm run bench:segments                               # chat at 1,000 req/s, 3 rounds of 8 s
//   npm run bench:segments -- --scenario chat-stream --rate 200 --rounds 4 --seconds 5
//   npm run bench:segments -- --json                     # the results JSON on stdout
//
// Loopback only; bounded by --rounds × --seconds per target. Results: bench/results/segments.json.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { targetsInRound } from '../report/compare-targets.js';
import { runFixedRateRound } from '../load/run-fixed-rate.js';
import { machineInfo } from '../machine-info.js';
import { numberOption, parseBenchArgs, refuseBenchArgs } from '../parse-bench-args.js';
import { checkTarget, waitForTraceStore } from '../run-scenarios.js';
import { fromSource, repoRoot } from '../runtime.js';
import { allScenarios } from '../scenarios/all-scenarios.js';
import { requestTargetReport } from '../target-report.js';
import { createTargetSet } from '../targets.js';
import {
  joinMarks,
  maxTaggedRequests,
  segmentNames,
  segmentTagHeader,
  segmentsFile,
  summarizeSegments,
  type SegmentRow,
  type TargetMarks,
} from './segments.js';

const usage = `usage: npm run bench:segments -- [options]
  --scenario NAME   chat (default), chat-stream or chat-stream-openai-to-anthropic
  --rate N          fixed rate in req/s (default 1000)
  --rounds N        alternating rounds per target (default 3)
  --seconds S       measured seconds per round (default 8)
  --out PATH        results file (default bench/results/segments.json)
  --json            print the results JSON instead of the table`;

const values = parseBenchArgs(
  {
    scenario: { type: 'string', default: 'chat' },
    rate: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    out: { type: 'string', default: join(repoRoot, 'bench/results/segments.json') },
    json: { type: 'boolean', default: false },
  },
  usage,
);
const scenario = allScenarios.find((candidate) => candidate.name === values.scenario);
if (!scenario) refuseBenchArgs(`unknown scenario ${values.scenario}`, usage);
for (const name of ['rate', 'rounds', 'seconds'] as const) numberOption(name, values[name], usage);
const rate = Number(values.rate);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
if (rate * (seconds + 1) >= maxTaggedRequests) {
  refuseBenchArgs(
    `--rate × (--seconds + 1) must stay under ${maxTaggedRequests} requests a round`,
    usage,
  );
}
const log = (line: string) => process.stderr.write(`${line}\n`);
// The preload beside this file: compiled (npm run bench:segments builds first), or its source under
// tsx (the smoke test), which the children then load through tsx too.
const preload = join(
  dirname(fileURLToPath(import.meta.url)),
  fromSource ? 'segment-preload.ts' : 'segment-preload.js',
);
if (!existsSync(preload)) refuseBenchArgs(`${preload} is missing: run npm run build`, usage);

/** Asks the target for its marks (SIGUSR2) and reads the file it writes. */
function collectMarks(pid: number): Promise<TargetMarks[]> {
  return requestTargetReport<TargetMarks[]>(pid, segmentsFile(pid));
}

const targetSet = createTargetSet({
  gatewayExecArgv: ['--import', preload],
  proxyExecArgv: ['--import', preload],
  log,
});
try {
  const machine = machineInfo();
  log(
    `switchyard bench:segments · ${scenario.name} at ${rate} req/s · ${machine.cpus} CPUs · node ${machine.node} · load ${machine.loadAverage.join(' ')}`,
  );
  const started = await targetSet.forScenario(scenario);
  const targets = {
    'bare-proxy': { child: started.bareProxy, request: scenario.upstreamRequest },
    gateway: { child: started.gateway, request: scenario.gatewayRequest },
  };
  await checkTarget('bare-proxy', started.bareProxy.url, scenario);
  await checkTarget('gateway', started.gateway.url, scenario);
  await waitForTraceStore(started.gateway.url, log);
  const rows = new Map<string, SegmentRow[]>([
    ['bare-proxy', []],
    ['gateway', []],
  ]);
  for (let round = 1; round <= rounds; round += 1) {
    for (const name of targetsInRound(round)) {
      if (name === 'emulator') continue;
      const target = targets[name];
      log(`round ${round}/${rounds} · ${name}`);
      // Marks of anything before this round (the checks) are dropped first.
      await collectMarks(target.child.pid);
      const result = await runFixedRateRound({
        url: target.child.url,
        request: target.request,
        ratePerSecond: rate,
        durationMs: seconds * 1000,
        warmupMs: 1000,
        stream: scenario.stream,
        ...(scenario.streamEndMarker !== undefined
          ? { streamEndMarker: scenario.streamEndMarker }
          : {}),
        tagHeader: segmentTagHeader,
      });
      if (result.errors > 0) {
        throw new Error(`${name}: ${result.errors} errors (${result.errorSamples.join('; ')})`);
      }
      rows.get(name)!.push(...joinMarks(result.marks ?? [], await collectMarks(target.child.pid)));
    }
  }
  const summaries = Object.fromEntries(
    [...rows].map(([name, targetRows]) => [name, summarizeSegments(targetRows)]),
  );
  const results = {
    schema: 'switchyard-bench-segments/1',
    startedAt: new Date().toISOString(),
    command: `npm run bench:segments -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    scenario: scenario.name,
    settings: { rate, rounds, seconds },
    targets: summaries,
  };
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    const cell = (value: number) => value.toFixed(3).padStart(9);
    const header = `${''.padEnd(24)}${segmentNames.map((name) => name.padStart(9)).join('')}`;
    const lines = [
      '',
      `${scenario.name} at ${rate} req/s, ${rounds} alternating rounds of ${seconds} s per target; ms`,
      header,
    ];
    for (const [name, summary] of Object.entries(summaries)) {
      lines.push(
        `${name} (${summary.count} requests, p50 ${summary.latencyP50.toFixed(3)}, p99 ${summary.latencyP99.toFixed(3)})`,
        `${'  p50'.padEnd(24)}${segmentNames.map((segment) => cell(summary.p50[segment])).join('')}`,
        `${'  p99'.padEnd(24)}${segmentNames.map((segment) => cell(summary.p99[segment])).join('')}`,
        `${'  slowest 1 %, mean'.padEnd(24)}${segmentNames.map((segment) => cell(summary.slowestMean[segment])).join('')}`,
      );
    }
    lines.push(
      '',
      'lag: the load generator late · arrive: loopback and the target’s event loop · before/after: the',
      'target’s own work before its upstream call and after its end · upstream: to the upstream’s headers',
      '· body: to its end · leave: the response’s last byte to the client (segments.ts). Each column is',
      'its own percentile; the slowest 1 % row says where those requests lost their time.',
      `results: ${values.out}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  await targetSet.close();
}
