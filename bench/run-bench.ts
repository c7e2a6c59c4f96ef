// `npm run bench`: the gateway against the emulator directly and a bare undici proxy, each in its own
// process, at fixed rates (latency) and at max rate (throughput); prints a table and writes JSON.
// Options: --quick, --scenario NAME (repeatable), --rates 200,1000, --duration S, --max-duration S,
// --rounds N, --connections N, --out PATH, --json, --cpu-prof (profile the gateway into
// bench/results/profiles).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeDamon } from './host/damon-status.js';
import { machineInfo } from './machine-info.js';
import { formatTable } from './report/format-table.js';
import { sendClocks, type SendClock } from './load/send-clock.js';
import { runScenarios, type BenchSettings } from './run-scenarios.js';
import { repoRoot } from './runtime.js';
import { allScenarios } from './scenarios/all-scenarios.js';

const usage = `usage: npm run bench -- [options]
  --quick               short runs (CI smoke: well-formed numbers, not meaningful ones)
  --scenario NAME       run only this scenario (repeatable; known: ${allScenarios.map((s) => s.name).join(', ')})
  --rates LIST          fixed rates in req/s (default 200,1000)
  --duration S          measured seconds per target and fixed rate (default 12; --quick 0.3)
  --max-duration S      seconds per target at max rate (default 12; --quick 0.3)
  --rounds N            split each of those into N rounds, the targets in turn within each
                        round (in reverse order every other round), and pool each target's
                        rounds (default 6; --quick 1)
  --prime S             seconds of unrecorded max-rate load per target and scenario before the
                        measured runs (default 3; --quick 0.2; 0 turns it off)
  --connections N       connections of the max-rate runs (default 32)
  --send-clock C        what wakes the fixed-rate generator for each send: thread (a sleeping
                        worker, within ~0.1 ms of the schedule; default) or timer (Node's timers,
                        ~1 ms granularity, the bench's clock until the seventeenth session)
  --out PATH            results file (default bench/results/latest.json)
  --json                print the results JSON instead of the table
  --cpu-prof            run the gateway with --cpu-prof (profiles in bench/results/profiles/)
  --gateway-node-args A extra Node flags for the gateway process, e.g. "--max-semi-space-size=32"
  --database-url URL    PostgreSQL for the gateway's trace store (default: embedded PGlite,
                        fresh, in a temp directory)
`;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    rates: { type: 'string' },
    duration: { type: 'string' },
    'max-duration': { type: 'string' },
    rounds: { type: 'string' },
    prime: { type: 'string' },
    connections: { type: 'string' },
    'send-clock': { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    'gateway-node-args': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}`);
  process.exit(2);
}

function positive(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) fail(`${name} must be a positive number, got ${text}`);
  return value;
}

function primeSeconds(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) fail(`--prime must be 0 or more seconds, got ${text}`);
  return value;
}

if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const quick = values.quick;
const sendClock = (values['send-clock'] ?? 'thread') as SendClock;
if (!sendClocks.includes(sendClock)) {
  fail(`--send-clock must be ${sendClocks.join(' or ')}, got ${values['send-clock']}`);
}
const rates = (values.rates ?? '200,1000')
  .split(',')
  .map((text) => positive(text.trim(), 0, '--rates'));
const settings: BenchSettings = {
  rates,
  fixedDurationMs: positive(values.duration, quick ? 0.3 : 12, '--duration') * 1000,
  warmupMs: quick ? 100 : 1000,
  primeMs: primeSeconds(values.prime, quick ? 0.2 : 3) * 1000,
  maxDurationMs: positive(values['max-duration'], quick ? 0.3 : 12, '--max-duration') * 1000,
  maxConnections: Math.round(positive(values.connections, 32, '--connections')),
  settleMs: quick ? 20 : 300,
  rounds: Math.round(positive(values.rounds, quick ? 1 : 6, '--rounds')),
  sendClock,
};

const wanted = (values.scenario ?? []).flatMap((name) => name.split(','));
const unknown = wanted.filter((name) => !allScenarios.some((scenario) => scenario.name === name));
if (unknown.length) fail(`unknown scenario ${unknown.join(', ')}`);
const scenarios = wanted.length
  ? allScenarios.filter((scenario) => wanted.includes(scenario.name))
  : allScenarios;

const outPath = values.out
  ? isAbsolute(values.out)
    ? values.out
    : resolve(process.cwd(), values.out)
  : join(repoRoot, 'bench', 'results', 'latest.json');
const profileDir = join(repoRoot, 'bench', 'results', 'profiles');

const progress = (line: string) => process.stderr.write(`${line}\n`);
const machine = machineInfo();
const startedAt = new Date();
progress(
  `switchyard bench${quick ? ' (quick)' : ''}: ${scenarios.map((s) => s.name).join(', ')} · ` +
    `${machine.cpus} CPUs (${machine.cpuModel}) · node ${machine.node} · load ${machine.loadAverage.join(' ')}` +
    (machine.damon ? ` · ${describeDamon(machine.damon)}` : ''),
);

let exitCode = 0;
try {
  if (values['cpu-prof']) mkdirSync(profileDir, { recursive: true });
  const results = await runScenarios({
    scenarios,
    settings,
    progress,
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
    gatewayExecArgv: [
      ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ...(values['gateway-node-args']?.split(/\s+/).filter(Boolean) ?? []),
    ],
  });
  const finishedAt = new Date();
  const report = {
    schema: 1,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
    quick,
    machine,
    settings,
    traceStore: values['database-url'] ? 'postgres' : 'pglite',
    scenarios: results,
  };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else
    process.stdout.write(
      `\n${formatTable(results, machine)}\n\nresults: ${outPath} (${report.durationS} s)\n`,
    );
} catch (error) {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  exitCode = 1;
}
// undici's global agent keeps idle sockets for a few seconds; do not wait for them.
process.exit(exitCode);
