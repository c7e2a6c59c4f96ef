// Fault-injection benchmark: under load, with the first deployment of a two-deployment chain
// failing 30 % of the time (emulator `probability: 0.3`), what share of client requests succeed
// (target 100 % while the second deployment is healthy) and what a fallback adds to latency
// (p50/p99 of requests served by the fallback minus those served directly). One scenario per
// fault kind, plus a no-fault baseline. Loopback only, bounded by --requests per scenario.
//
//   npm run bench:faults -- [--requests 2000] [--concurrency 32] [--probability 0.3] [--json]
//
// Everything runs in this one process (two emulators, the gateway, the load loop): absolute
// latencies include that contention; the fallback's *added* latency is measured like-for-like.

import { Writable } from 'node:stream';
import { Pool } from 'undici';
import { startEmulator, type Emulator, type FaultPlan } from '../../emulator/index.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { createLogger } from '../../src/telemetry/create-logger.js';
import { subscribeBreakerStateChanged } from '../../src/telemetry/events.js';
import { summarizeLatencies, type LatencySummary } from '../load/summarize-latencies.js';
import { machineInfo } from '../machine-info.js';
import { numberOption, parseBenchArgs, refuseBenchArgs } from '../parse-bench-args.js';

const usage = `usage: npm run bench:faults -- [options]
  --requests N      requests per scenario (default 2000, at most 20000)
  --concurrency N   requests in flight (default 32, at most 256)
  --probability P   share of the first deployment's requests that fail (default 0.3, at most 1)
  --json            print the results JSON instead of the table`;
const options = parseBenchArgs(
  {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    probability: { type: 'string', default: '0.3' },
    json: { type: 'boolean', default: false },
  },
  usage,
);
const REQUESTS = Math.min(numberOption('requests', options.requests, usage), 20_000);
const CONCURRENCY = Math.min(numberOption('concurrency', options.concurrency, usage), 256);
const PROBABILITY = Math.min(numberOption('probability', options.probability, usage), 1);
if (REQUESTS < 1 || CONCURRENCY < 1)
  refuseBenchArgs('--requests and --concurrency: at least 1', usage);
const JSON_OUTPUT = options.json;
/** Unmeasured requests per connection before each scenario. */
const WARMUP_ROUNDS = 4;

interface Scenario {
  name: string;
  fault?: FaultPlan;
  /**
   * Circuit breakers on (config defaults: 5 consecutive failures, 30 s cooldown). Off for the
   * fault scenarios that measure the fallback itself: at a 30 % failure rate, 5 failures in a row
   * happen about once per thousand attempts, and an open breaker then sends the rest of the run
   * straight to the second deployment (shown by the last scenario).
   */
  breaker?: boolean;
  /** What the scenario shows. */
  note: string;
}

const scenarios: Scenario[] = [
  { name: 'baseline (no faults)', note: 'every request served by the first deployment' },
  {
    name: 'HTTP 500',
    fault: { status: 500 },
    note: 'server error: no same-deployment retry, straight to the fallback',
  },
  {
    name: 'HTTP 529 overloaded',
    fault: { status: 529 },
    note: 'overloaded: one jittered retry on the same deployment first (default policy)',
  },
  {
    name: 'reset before headers',
    fault: { reset: 'before-headers' },
    note: 'connection reset: straight to the fallback',
  },
  {
    name: 'hang before first byte',
    fault: { hang: 'before-headers' },
    note: 'cut by the TTFT timeout (streams, 1000 ms) or total timeout (non-stream, 2000 ms), then the fallback',
  },
  {
    name: 'HTTP 500, breakers on',
    fault: { status: 500 },
    breaker: true,
    note: 'default breaker: after 5 consecutive failures the first deployment is skipped for 30 s',
  },
];

interface Outcome {
  ok: boolean;
  stream: boolean;
  latencyMs: number;
  provider: string;
  attempts: number;
}

interface ScenarioResult {
  scenario: string;
  note: string;
  requests: number;
  succeeded: number;
  successShare: number;
  /** Served by the first deployment after a retry on it (529: the default policy retries once). */
  retried: number;
  /** Served by the second deployment directly: the first one's breaker was open. */
  skippedByBreaker: number;
  breakerOpens: number;
  direct: LatencySummary;
  fallback: LatencySummary;
  addedP50Ms: number;
  addedP99Ms: number;
  wallMs: number;
}

const body = (stream: boolean) =>
  JSON.stringify({
    model: 'chain',
    stream,
    messages: [{ role: 'user', content: 'fault bench: one two three four five six seven eight' }],
  });
const bodies = { stream: body(true), plain: body(false) };

async function sendOne(pool: Pool, stream: boolean): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream ? bodies.stream : bodies.plain,
    });
    const text = await response.body.text();
    const latencyMs = performance.now() - started;
    // Success means a complete answer: 200 and, for a stream, the [DONE] marker with no in-band
    // error before it (a stream that ends without it is a failure, not a success).
    const ok =
      response.statusCode === 200 &&
      (stream
        ? text.trimEnd().endsWith('data: [DONE]') && !text.includes('"error"')
        : text.includes('"choices"'));
    return {
      ok,
      stream,
      latencyMs,
      provider: String(response.headers['x-switchyard-provider'] ?? ''),
      attempts: Number(response.headers['x-switchyard-attempts'] ?? 0),
    };
  } catch {
    return { ok: false, stream, latencyMs: performance.now() - started, provider: '', attempts: 0 };
  }
}

async function runScenario(
  scenario: Scenario,
  primary: Emulator,
  gatewayUrl: string,
): Promise<ScenarioResult> {
  primary.clearFaults();
  const pool = new Pool(gatewayUrl, { connections: CONCURRENCY, pipelining: 1 });
  // Warm-up, not measured: connections opened, code paths compiled, no faults yet.
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, index) => {
      for (let round = 0; round < WARMUP_ROUNDS; round++) await sendOne(pool, index % 2 === 1);
    }),
  );
  if (scenario.fault) primary.setFaults({ ...scenario.fault, probability: PROBABILITY });
  let breakerOpens = 0;
  const unsubscribe = subscribeBreakerStateChanged((event) => {
    if (event.to === 'open') breakerOpens += 1;
  });
  const outcomes: Outcome[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const index = next++;
        outcomes.push(await sendOne(pool, index % 2 === 1));
      }
    }),
  );
  const wallMs = performance.now() - started;
  await pool.close();
  unsubscribe();
  primary.clearFaults();
  const succeeded = outcomes.filter((outcome) => outcome.ok).length;
  const direct = summarizeLatencies(
    outcomes
      .filter((o) => o.ok && o.provider === 'primary' && o.attempts === 1)
      .map((o) => o.latencyMs),
  );
  const retried = outcomes.filter((o) => o.ok && o.provider === 'primary' && o.attempts > 1);
  // Served by the second deployment after the first failed (attempts ≥ 2), as opposed to
  // served by it directly because the first one's breaker was open (attempts = 1).
  const fallback = summarizeLatencies(
    outcomes
      .filter((o) => o.ok && o.provider === 'backup' && o.attempts >= 2)
      .map((o) => o.latencyMs),
  );
  const skipped = outcomes.filter((o) => o.ok && o.provider === 'backup' && o.attempts === 1);
  return {
    scenario: scenario.name,
    note: scenario.note,
    requests: outcomes.length,
    succeeded,
    successShare: succeeded / outcomes.length,
    retried: retried.length,
    skippedByBreaker: skipped.length,
    breakerOpens,
    direct,
    fallback,
    addedP50Ms: round(fallback.p50 - direct.p50),
    addedP99Ms: round(fallback.p99 - direct.p99),
    wallMs: round(wallMs),
  };
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 10) / 10 : Number.NaN;
}

function formatMs(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '–';
}

function createBenchGateway(primary: Emulator, backup: Emulator, breaker: boolean) {
  const config = parseConfig(
    {
      server: { port: 0 },
      logging: { level: 'silent' },
      providers: {
        primary: { type: 'openai-compatible', baseUrl: `${primary.url}/v1` },
        backup: { type: 'openai-compatible', baseUrl: `${backup.url}/v1` },
      },
      models: {
        chain: [
          {
            provider: 'primary',
            model: 'm',
            timeouts: { firstByteMs: 1000, idleMs: 1000, totalMs: 2000 },
          },
          { provider: 'backup', model: 'm' },
        ],
      },
      // Retries at their defaults; breakers per scenario. No trace store: this bench is about the
      // fallback chain (the embedded database's start-up would stall the first requests).
      resilience: { breaker: { enabled: breaker } },
      traces: { enabled: false },
    },
    {},
    'fault bench config',
  );
  const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  return createGateway(config, createLogger({ level: 'silent', destination: silent }));
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const primary = await startEmulator({ kind: 'openai', name: 'primary', recordRequests: false });
  const backup = await startEmulator({ kind: 'openai', name: 'backup', recordRequests: false });
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      // A fresh gateway per scenario: breaker state must not leak from one into the next.
      const gateway = createBenchGateway(primary, backup, scenario.breaker === true);
      const url = await gateway.start();
      try {
        results.push(await runScenario(scenario, primary, url));
      } finally {
        await gateway.close();
      }
      if (!JSON_OUTPUT) process.stderr.write(`done: ${scenario.name}\n`);
    }
  } finally {
    await primary.close();
    await backup.close();
  }
  const report = {
    date: new Date().toISOString(),
    machine,
    settings: { requests: REQUESTS, concurrency: CONCURRENCY, probability: PROBABILITY },
    results,
  };
  if (JSON_OUTPUT) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [
    `fault bench ${report.date}: ${REQUESTS} requests per scenario (half streaming, after ` +
      `${WARMUP_ROUNDS * CONCURRENCY} unmeasured warm-up requests), ` +
      `concurrency ${CONCURRENCY}, first deployment failing with probability ${PROBABILITY}`,
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
      `load average at start ${machine.loadAverage.join(' / ')}` +
      ((machine.loadAverage[0] ?? 0) > machine.cpus
        ? ' (busy machine: absolute latencies are inflated)'
        : ''),
    '',
    '| scenario | succeeded | direct p50 / p99 ms | fallback p50 / p99 ms | added p50 / p99 ms | fell back | retried on first | breaker opens / requests that skipped the first |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map(
      (result) =>
        `| ${result.scenario} | ${result.succeeded}/${result.requests} (${(result.successShare * 100).toFixed(2)} %) ` +
        `| ${formatMs(result.direct.p50)} / ${formatMs(result.direct.p99)} ` +
        `| ${formatMs(result.fallback.p50)} / ${formatMs(result.fallback.p99)} ` +
        `| ${formatMs(result.addedP50Ms)} / ${formatMs(result.addedP99Ms)} ` +
        `| ${result.fallback.count} | ${result.retried} | ${result.breakerOpens} / ${result.skippedByBreaker} |`,
    ),
    '',
    ...results.map((result) => `- ${result.scenario}: ${result.note}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
