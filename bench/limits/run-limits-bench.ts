// Limiter benchmark: what auth + token rate limits + USD caps add to the request path. The same
// gateway config is run with governance off, with keys only, and with keys + rate limits + caps on
// the in-process store and on Redis; gateway and emulator each run in their own process, and an
// open-loop generator sends at a fixed rate (no coordinated omission). The emulator is also hit
// directly, so "added" = gateway latency − direct latency. Writes a Markdown table to stdout.
//
//   node --import tsx bench/limits/run-limits-bench.ts [--rate 200] [--rounds 5] [--duration-ms 4000] [--warmup-ms 1000]

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { createUsage } from '../../src/core/index.js';
import { estimateRequestTokens } from '../../src/limits/estimate-tokens.js';
import type { LimitStore } from '../../src/limits/limit-store.js';
import { createMemoryLimitStore } from '../../src/limits/memory/memory-limit-store.js';
import { createRedisLimitStore } from '../../src/limits/redis/redis-limit-store.js';
import { createSpendGuard } from '../../src/limits/spend-guard.js';
import { createTokenLimiter } from '../../src/limits/token-limiter.js';
import { summarizeLatencies } from '../load/summarize-latencies.js';
import { costOf } from '../../src/pricing/price-table.js';
import { runFixedRate, type FixedRateResult } from '../load/run-fixed-rate.js';
import { findFreePort, startChild, type BenchChild } from '../start-child.js';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const rate = argument('rate', 200);
const durationMs = argument('duration-ms', 4_000);
const warmupMs = argument('warmup-ms', 1_000);
const rounds = argument('rounds', 5);
const redisUrl = process.env.SWITCHYARD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const gatewayKey = `sy-bench-${randomBytes(16).toString('hex')}`;
const keyPrefix = `switchyard-bench-limits-${randomBytes(4).toString('hex')}`;

const body = JSON.stringify({
  model: 'bench',
  max_tokens: 64,
  messages: [
    { role: 'system', content: 'You are a terse assistant.' },
    { role: 'user', content: 'Name three rivers in Europe and one fact about each of them.' },
  ],
});

const governed = {
  keys: { static: [{ key: gatewayKey, user: 'bench', tier: 'standard' }] },
  limits: { tiers: { standard: { tokensPerMinute: 100_000_000 } } },
  caps: { perUserDailyUsd: 1_000_000, perKeyDailyUsd: 1_000_000 },
};

interface Run {
  name: string;
  config: Record<string, unknown>;
  key: boolean;
}

const runs: Run[] = [
  { name: 'governance off (keyless, no limits)', config: {}, key: false },
  { name: 'keys only (static key, SHA-256 + compare)', config: { keys: governed.keys }, key: true },
  { name: 'keys + rate limit + caps, in-process store', config: governed, key: true },
  {
    name: 'keys + rate limit + caps, Redis store',
    config: { ...governed, redis: { url: redisUrl, keyPrefix } },
    key: true,
  },
];

async function startGateway(dir: string, emulatorUrl: string, run: Run): Promise<BenchChild> {
  const port = await findFreePort();
  const config = {
    server: { host: '127.0.0.1', port, drainTimeoutMs: 2000 },
    logging: { level: 'warn' },
    traces: { enabled: false },
    providers: { emulator: { type: 'openai', baseUrl: `${emulatorUrl}/v1`, apiKey: 'sk-bench' } },
    models: { bench: [{ provider: 'emulator', model: 'gpt-4o-mini' }] },
    ...run.config,
  };
  const path = join(dir, `gateway-${port}.yaml`);
  await writeFile(path, stringify(config));
  return startChild({
    name: 'gateway',
    entry: 'src/main',
    args: ['serve', '--config', path],
    ready: { type: 'health', url: `http://127.0.0.1:${port}`, healthPath: '/healthz' },
  });
}

function measure(
  url: string,
  path: string,
  withKey: boolean,
  model: string,
): Promise<FixedRateResult> {
  return runFixedRate({
    url,
    request: {
      path,
      headers: {
        'content-type': 'application/json',
        ...(withKey ? { authorization: `Bearer ${gatewayKey}` } : {}),
      },
      body: body.replace('"bench"', JSON.stringify(model)),
    },
    ratePerSecond: rate,
    durationMs,
    warmupMs,
    stream: false,
  });
}

/**
 * The limiter's own work per request, in process and one request at a time (so it is not lost in
 * the machine's noise): token estimate, token reservation + settlement, cap holds + settlement.
 */
async function limiterCost(store: LimitStore, iterations: number) {
  const limiter = createTokenLimiter({
    store,
    config: {
      failureMode: 'open',
      defaultTier: 'standard',
      defaultMaxOutputTokens: 1024,
      tiers: { standard: { tokensPerMinute: 100_000_000, models: {} } },
      users: {},
    },
    keyPrefix,
  });
  const guard = createSpendGuard({
    store,
    caps: {
      failureMode: 'closed',
      blockZeroCost: false,
      perUserDailyUsd: 1_000_000,
      perKeyDailyUsd: 1_000_000,
      users: {},
      features: {},
    },
    alerts: { thresholds: [0.5, 0.8, 1], webhookTimeoutMs: 1000, webhookMaxAttempts: 1 },
    keyPrefix,
  });
  const request = JSON.parse(body) as {
    messages: Array<{ role: 'system' | 'user'; content: string }>;
  };
  const chat = {
    model: 'bench',
    stream: false,
    includeUsage: false,
    maxOutputTokens: 64,
    extra: {},
    messages: request.messages.map((message) => ({
      role: message.role,
      content: [{ type: 'text' as const, text: message.content }],
    })),
  } as Parameters<typeof estimateRequestTokens>[0]['chat'];
  const deployment = { id: 'emulator/gpt-4o-mini', provider: 'emulator', model: 'gpt-4o-mini' };
  const samples: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    const estimate = estimateRequestTokens({ chat }, 1024);
    const reserved = estimate.inputTokens + estimate.outputTokens;
    const buckets = limiter.bucketsFor({
      subject: 'user:bench',
      user: 'bench',
      tier: 'standard',
      alias: 'bench',
    });
    await limiter.reserve(buckets, reserved);
    const caps = guard.capsFor({ user: 'bench', keyId: 'cfg_bench' });
    const worst =
      costOf(
        deployment,
        createUsage({ inputNoCache: estimate.inputTokens, outputTotal: estimate.outputTokens }),
      ) ?? 0;
    const hold = await guard.hold(caps, worst);
    const usage = createUsage({ inputNoCache: estimate.inputTokens, outputTotal: 12 });
    await limiter.adjust(buckets, usage.input.total + usage.output.total - reserved);
    await guard.settle(caps, {
      heldNanoUsd: hold.type === 'held' ? hold.amountNanoUsd : 0,
      actualUsd: costOf(deployment, usage) ?? 0,
    });
    if (index >= iterations / 10) samples.push(performance.now() - started);
  }
  return summarizeLatencies(samples);
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-limits-bench-'));
  const emulator = await startChild({
    name: 'emulator',
    entry: 'emulator/main',
    args: ['--kind', 'openai', '--port', '0'],
    ready: { type: 'stdout-url' },
  });
  const rows = [
    `Fixed rate ${rate} req/s, non-streaming chat; ${rounds} rounds of ${durationMs / 1000} s per target ` +
      `(after ${warmupMs / 1000} s warm-up each), the targets interleaved in rotating order so that ` +
      'load from elsewhere on the machine hits them alike; medians over the rounds.',
    '',
    '| run | requests | errors | p50 ms | p99 ms | added p50 ms | added p99 ms | added p99 vs off |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const gateways: BenchChild[] = [];
  try {
    for (const run of runs) gateways.push(await startGateway(dir, emulator.url, run));
    const targets = [
      { name: 'emulator direct (floor)', url: emulator.url, key: false, model: 'gpt-4o-mini' },
      ...runs.map((run, index) => ({
        name: run.name,
        url: gateways[index]?.url ?? '',
        key: run.key,
        model: 'bench',
      })),
    ];
    const results = targets.map(() => [] as FixedRateResult[]);
    for (let round = 0; round < rounds; round += 1) {
      for (let step = 0; step < targets.length; step += 1) {
        const index = (round + step) % targets.length;
        const target = targets[index];
        if (!target) continue;
        const result = await measure(target.url, '/v1/chat/completions', target.key, target.model);
        results[index]?.push(result);
        if (result.errorSamples.length)
          process.stderr.write(`errors: ${result.errorSamples.join('; ')}\n`);
        process.stderr.write(
          `round ${round + 1} ${target.name}: p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99}\n`,
        );
      }
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2
        ? (sorted[middle] ?? 0)
        : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
    };
    const summary = results.map((list) => ({
      ok: list.reduce((sum, result) => sum + result.ok, 0),
      errors: list.reduce((sum, result) => sum + result.errors, 0),
      p50: median(list.map((result) => result.latencyMs.p50)),
      p99: median(list.map((result) => result.latencyMs.p99)),
    }));
    const direct = summary[0];
    const off = summary[1];
    if (!direct || !off) throw new Error('no results');
    const offAddedP99 = off.p99 - direct.p99;
    summary.forEach((row, index) => {
      const name = targets[index]?.name ?? '';
      if (index === 0) {
        rows.push(
          `| ${name} | ${row.ok} | ${row.errors} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} | — | — | — |`,
        );
        return;
      }
      const addedP50 = row.p50 - direct.p50;
      const addedP99 = row.p99 - direct.p99;
      const ratio = offAddedP99 > 0 ? `${(addedP99 / offAddedP99).toFixed(2)}×` : 'n/a';
      rows.push(
        `| ${name} | ${row.ok} | ${row.errors} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} | ${addedP50.toFixed(3)} | ${addedP99.toFixed(3)} | ${ratio} |`,
      );
    });
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  const memory = await limiterCost(createMemoryLimitStore(), 20_000);
  const redisStore = createRedisLimitStore({
    url: redisUrl,
    commandTimeoutMs: 1000,
    connectTimeoutMs: 1000,
  });
  await redisStore.waitReady(2000);
  const redis = await limiterCost(redisStore, 5_000);
  await redisStore.close();
  rows.push(
    '',
    'The limiter alone, per request (estimate + reserve + 2 cap holds + settle all), sequential:',
    '',
    '| store | p50 ms | p90 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|',
    `| in-process | ${memory.p50} | ${memory.p90} | ${memory.p99} | ${memory.max} |`,
    `| Redis (4 scripts, 127.0.0.1) | ${redis.p50} | ${redis.p90} | ${redis.p99} | ${redis.max} |`,
  );
  const cleanup = new Redis(redisUrl);
  const leftovers = await cleanup.keys(`${keyPrefix}:*`);
  if (leftovers.length > 0) await cleanup.del(...leftovers);
  cleanup.disconnect();
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
