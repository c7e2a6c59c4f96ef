// Cache benchmark: exact-hit throughput (in-process and Redis store) against a miss and against no
// cache at all, with the gateway and the emulator in their own processes; then semantic lookup
// latency of the in-process index at 10k and 100k entries. Writes a Markdown table to stdout.
//
//   node --import tsx bench/cache/run-cache-bench.ts [--duration-ms 5000] [--connections 16]

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { Redis } from 'ioredis';
import { cpuUsage, readProcessCpuMs } from '../load/process-cpu.js';
import { findFreePort, startChild, type BenchChild } from '../start-child.js';
import { createMemoryCacheStore } from '../../src/cache/memory/memory-cache-store.js';
import { SemanticCache } from '../../src/cache/semantic/semantic-cache.js';
import { embedLocally } from '../../src/cache/semantic/local-embedder.js';
import { extractGuardFeatures } from '../../src/cache/semantic/false-hit-guards.js';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const durationMs = argument('duration-ms', 5_000);
const connections = argument('connections', 16);
const redisUrl = process.env.SWITCHYARD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface LoadResult {
  rps: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  cacheHeaders: Record<string, number>;
}

/** Closed loop: `connections` workers, each sending its next request when the previous ended. */
async function runClosedLoop(url: string, body: (sequence: number) => string): Promise<LoadResult> {
  const pool = new Pool(url, { connections });
  const latencies: number[] = [];
  const cacheHeaders: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  let sequence = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        try {
          const response = await pool.request({
            path: '/v1/chat/completions',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: body(sequence++),
          });
          await response.body.dump();
          const status = String(response.headers['x-switchyard-cache'] ?? 'none');
          cacheHeaders[status] = (cacheHeaders[status] ?? 0) + 1;
          if (response.statusCode === 200) ok += 1;
          else errors += 1;
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((left, right) => left - right);
  const at = (quantile: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))] ?? 0;
  return {
    rps: Math.round(ok / elapsedS),
    ok,
    errors,
    p50: Math.round(at(0.5) * 100) / 100,
    p99: Math.round(at(0.99) * 100) / 100,
    cacheHeaders,
  };
}

function chatBody(content: string): string {
  return JSON.stringify({
    model: 'bench',
    temperature: 0,
    messages: [
      { role: 'system', content: 'You are a terse assistant.' },
      { role: 'user', content },
    ],
  });
}

async function startGateway(
  dir: string,
  emulatorUrl: string,
  cache: Record<string, unknown> | undefined,
): Promise<BenchChild> {
  const port = await findFreePort();
  const config = {
    server: { host: '127.0.0.1', port, drainTimeoutMs: 2000 },
    logging: { level: 'info' },
    providers: { emulator: { type: 'openai', baseUrl: `${emulatorUrl}/v1`, apiKey: 'sk-bench' } },
    models: { bench: [{ provider: 'emulator', model: 'gpt-4o-mini' }] },
    // The trace store (embedded PGlite by default) starts in the background of a fresh gateway and
    // burns CPU during the first runs; it is off here so the runs compare the cache paths only.
    traces: { enabled: false },
    ...(cache ? { cache } : {}),
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

async function exactBench(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-cache-bench-'));
  const emulator = await startChild({
    name: 'emulator',
    entry: 'emulator/main',
    args: ['--kind', 'openai', '--port', '0'],
    ready: { type: 'stdout-url' },
  });
  const keyPrefix = `switchyard-bench:${randomBytes(4).toString('hex')}:`;
  const rows: string[] = [
    '| run | store | req/s | p50 ms | p99 ms | gateway CPU ms/req | req/s per gateway core | errors | x-switchyard-cache |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  const runs: Array<{
    name: string;
    store: string;
    cache: Record<string, unknown> | undefined;
    body: (sequence: number) => string;
  }> = [
    {
      name: 'no cache (every request upstream)',
      store: '—',
      cache: undefined,
      body: () => chatBody('Name three rivers.'),
    },
    {
      name: 'miss (unique prompts, stored)',
      store: 'memory',
      cache: {},
      body: (sequence) => chatBody(`Name three rivers #${sequence}`),
    },
    { name: 'exact hit', store: 'memory', cache: {}, body: () => chatBody('Name three rivers.') },
    {
      name: 'miss (unique prompts, stored)',
      store: 'redis',
      cache: { store: 'redis', redis: { url: redisUrl, keyPrefix } },
      body: (sequence) => chatBody(`Name three rivers #${sequence}`),
    },
    {
      name: 'exact hit',
      store: 'redis',
      cache: { store: 'redis', redis: { url: redisUrl, keyPrefix } },
      body: () => chatBody('Name three rivers.'),
    },
  ];
  try {
    for (const run of runs) {
      const gateway = await startGateway(dir, emulator.url, run.cache);
      try {
        // Warm up (connections, JIT, and the entry a hit run serves).
        for (let index = 0; index < 50; index++) {
          const response = await fetch(`${gateway.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: run.body(-1 - index),
          });
          await response.arrayBuffer();
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
        const cpuBefore = readProcessCpuMs(gateway.pid);
        const result = await runClosedLoop(gateway.url, run.body);
        const cpu = cpuUsage(cpuBefore, readProcessCpuMs(gateway.pid), result.ok + result.errors);
        const headers = Object.entries(result.cacheHeaders)
          .map(([status, count]) => `${status} ${count}`)
          .join(', ');
        rows.push(
          `| ${run.name} | ${run.store} | ${result.rps} | ${result.p50} | ${result.p99} | ${cpu?.msPerRequest ?? '?'} | ${cpu?.requestsPerCoreSecond ?? '?'} | ${result.errors} | ${headers} |`,
        );
        process.stderr.write(`${rows.at(-1)}\n`);
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${keyPrefix}*`);
    for (let start = 0; start < keys.length; start += 1000) {
      await redis.del(...keys.slice(start, start + 1000));
    }
    redis.disconnect();
  }
  return rows;
}

const topics = [
  'password',
  'invoice',
  'refund',
  'shipping',
  'river',
  'mountain',
  'python',
  'router',
  'visa',
  'recipe',
];
const verbs = [
  'reset',
  'find',
  'change',
  'cancel',
  'explain',
  'compare',
  'install',
  'book',
  'track',
  'fix',
];

function syntheticPrompt(number: number): string {
  const topic = topics[number % topics.length] ?? '';
  const verb = verbs[Math.floor(number / topics.length) % verbs.length] ?? '';
  return `How do I ${verb} my ${topic} number ${number} for account ${number * 7919}?`;
}

async function semanticBench(): Promise<string[]> {
  const rows = [
    '| entries in the partition | embed (local) p50 µs | lookup p50 ms | lookup p99 ms | index fill s |',
    '|---:|---:|---:|---:|---:|',
  ];
  for (const size of [10_000, 100_000]) {
    const store = createMemoryCacheStore({ maxBytes: 1024 * 1024 });
    const cache = new SemanticCache({ store, maxEntries: size, syncIntervalMs: 1000 });
    const fillStarted = performance.now();
    for (let number = 0; number < size; number++) {
      const text = syntheticPrompt(number);
      await cache.remember({
        // One partition: the worst case (one tenant, one alias, one context holds every entry).
        partition: 'bench',
        vector: embedLocally(text),
        features: extractGuardFeatures(text),
        key: `key-${number}`,
        ttlSeconds: 3600,
      });
    }
    const fillS = (performance.now() - fillStarted) / 1000;
    const embedTimes: number[] = [];
    const lookupTimes: number[] = [];
    for (let query = 0; query < 300; query++) {
      const text = syntheticPrompt((query * 37) % size).replace('How do I', 'How can I');
      const embedStarted = performance.now();
      const vector = embedLocally(text);
      embedTimes.push(performance.now() - embedStarted);
      const lookupStarted = performance.now();
      cache.lookup({
        partition: 'bench',
        vector,
        features: extractGuardFeatures(text),
        threshold: 0.85,
        guards: true,
        alias: 'bench',
      });
      lookupTimes.push(performance.now() - lookupStarted);
    }
    const quantile = (values: number[], q: number) => {
      const sorted = [...values].sort((left, right) => left - right);
      return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    };
    rows.push(
      `| ${size.toLocaleString('en')} | ${Math.round(quantile(embedTimes, 0.5) * 1000)} | ${quantile(lookupTimes, 0.5).toFixed(2)} | ${quantile(lookupTimes, 0.99).toFixed(2)} | ${fillS.toFixed(1)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
    cache.close();
  }
  return rows;
}

const exactRows = await exactBench();
const semanticRows = await semanticBench();
process.stdout.write(
  `${[
    `Exact cache, closed loop, ${connections} connections, ${durationMs / 1000} s per run:`,
    '',
    ...exactRows,
    '',
    'Semantic lookup (in-process exact index, local embedder, 512 dimensions):',
    '',
    ...semanticRows,
  ].join('\n')}\n`,
);
