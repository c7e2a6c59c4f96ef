// Stateless replicas, proven: three real gateway processes (`switchyard serve`, different ports)
// share one Redis (token limits, USD caps, response cache) and one PostgreSQL (virtual keys, trace
// store). A load spread over them meets one global rate limit and one spend cap, gets cache hits on
// one replica for answers another stored, leaves one trace row per request in one llm_traces table,
// and survives a rolling restart (SIGTERM one replica at a time, start it again) with zero failed
// client requests when the client retries on another replica the way a load balancer does. The
// figures are printed as test diagnostics. Circuit-breaker state is per replica (docs/deploy.md).

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { createTestSchema, type TestSchema } from './helpers/postgres-schema.js';

const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const adminKey = 'admin-key-three-replicas-0123456789';

// Text whose gpt-tokenizer count (+6 framing) equals the emulator's usage rule (4 + ceil(chars / 4)),
// so a request's reservation equals the usage that settles it and admitted tokens are exact.
const limitPrompt = `lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat ${Array.from({ length: 15 }, (_, index) => String(100 + ((index * 37) % 900))).join(' ')}`;
const maxTokens = 10;
const requestTokens = countTokens(limitPrompt) + 6 + maxTokens;
const burstTokens = 3000;
const capUsd = 1;

interface Child {
  id: string;
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

let childCount = 0;

async function startChild(configPath: string, directory: string): Promise<Child> {
  const id = `gateway-${(childCount += 1)}`;
  // One trace spool per process, as one emptyDir per pod (the config reads ${SPOOL_DIR}).
  const spoolDir = join(directory, `spool-${id}`);
  await mkdir(spoolDir);
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, mainFile, 'serve', '--config', configPath, '--port', '0'],
    {
      env: { PATH: process.env.PATH ?? '', SPOOL_DIR: spoolDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let buffer = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id} did not start: ${stderr}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        let parsed: { url?: unknown; msg?: unknown };
        try {
          parsed = JSON.parse(line) as { url?: unknown; msg?: unknown };
        } catch {
          continue;
        }
        if (parsed.msg === 'switchyard listening' && typeof parsed.url === 'string') {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      }
    });
    void exited.then((code) => reject(new Error(`${id} exited ${code}: ${stderr}`)));
  });
  return { id, process: child, url, exited };
}

interface Answer {
  status: number;
  requestId: string | undefined;
  cache: string | undefined;
  totalTokens: number;
  body: string;
}

async function chat(
  child: Child,
  apiKey: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Answer> {
  const response = await fetch(`${child.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: signal ?? AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let totalTokens = 0;
  if (response.status === 200 && body.stream !== true) {
    totalTokens =
      (JSON.parse(text) as { usage?: { total_tokens?: number } }).usage?.total_tokens ?? 0;
  }
  return {
    status: response.status,
    requestId: response.headers.get('x-switchyard-request-id') ?? undefined,
    cache: response.headers.get('x-switchyard-cache') ?? undefined,
    totalTokens,
    body: text,
  };
}

/** A complete answer: JSON with content, or an SSE stream with content that ends in [DONE]. */
function isComplete(answer: Answer, streamed: boolean): boolean {
  if (answer.status !== 200) return false;
  if (!streamed) {
    const parsed = JSON.parse(answer.body) as {
      choices?: Array<{ message?: { content?: string } }>;
    };
    return (parsed.choices?.[0]?.message?.content ?? '').length > 0;
  }
  const events = answer.body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice(6));
  if (events.at(-1) !== '[DONE]') return false;
  const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as Record<string, unknown>);
  return chunks.every((chunk) => chunk.error === undefined) && chunks.length > 1;
}

describe('three gateway replicas sharing Redis and PostgreSQL', () => {
  let emulator: Emulator;
  let flakyEmulator: Emulator;
  let schema: TestSchema;
  let directory: string;
  let configPath: string;
  let redis: Redis;
  const runId = randomUUID().slice(0, 8);
  const keyPrefix = `sytest-3r-${runId}`;
  const cachePrefix = `sytest-3r-cache-${runId}:`;
  /** Replicas currently behind the "load balancer" (restarts replace them). */
  const live: Child[] = [];
  const every: Child[] = [];
  /** Request id → the replica that answered it (for the trace check). */
  const servedBy = new Map<string, string>();
  const secrets: Record<'limited' | 'crowd' | 'load', string> = {
    limited: '',
    crowd: '',
    load: '',
  };

  const countKeys = async (pattern: string): Promise<number> => {
    let count = 0;
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = nextCursor;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  };

  const remember = (answer: Answer, child: Child) => {
    if (answer.requestId) servedBy.set(answer.requestId, child.id);
  };

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    flakyEmulator = await startEmulator({ kind: 'openai', name: 'flaky' });
    flakyEmulator.setFaults({ status: 500 });
    schema = await createTestSchema('three_replicas');
    directory = await mkdtemp(join(tmpdir(), 'switchyard-three-'));
    redis = new Redis(redisUrl);
    const config = {
      server: { drainTimeoutMs: 20_000 },
      logging: { level: 'info' },
      providers: {
        upstream: { type: 'openai', baseUrl: `${emulator.url}/v1` },
        flaky: { type: 'openai', baseUrl: `${flakyEmulator.url}/v1` },
      },
      models: {
        // First deployment always 500: each request falls back; 5 in a row open its breaker.
        shaky: [
          { provider: 'flaky', model: 'gpt-4o-mini' },
          { provider: 'upstream', model: 'gpt-4o-mini' },
        ],
        fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
        paid: [{ provider: 'upstream', model: 'priced-model' }],
      },
      database: { url: schema.url },
      traces: { enabled: true, flushIntervalMs: 200, spoolDir: '${SPOOL_DIR}' },
      metrics: { enabled: true },
      // Generous Redis timeouts: on this shared 2-core machine a 250 ms command timeout (the
      // default) is sometimes exceeded, and the limiter then admits (fails open) by design.
      redis: { url: redisUrl, keyPrefix, commandTimeoutMs: 5_000 },
      cache: {
        store: 'redis',
        mode: 'deterministic',
        redis: { url: redisUrl, keyPrefix: cachePrefix, commandTimeoutMs: 5_000 },
      },
      admin: { apiKey: adminKey },
      keys: { cacheTtlMs: 1000 },
      limits: {
        // Everyone but `limited` has room for the whole test.
        tiers: { default: { tokensPerMinute: 100_000_000 } },
        // 1 token/s refill: the bucket barely moves during the test.
        users: { limited: { tokensPerMinute: 60, burstTokens } },
      },
      pricing: { models: { 'priced-model': { inputPerMTok: 1000, outputPerMTok: 1000 } } },
      caps: { users: { crowd: capUsd } },
    };
    configPath = join(directory, 'switchyard.yaml');
    await writeFile(configPath, stringify(config));
    const started = await Promise.all([
      startChild(configPath, directory),
      startChild(configPath, directory),
      startChild(configPath, directory),
    ]);
    live.push(...started);
    every.push(...started);
    for (const user of ['limited', 'crowd', 'load'] as const) {
      const created = await fetch(`${live[0]!.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user, name: `three replicas ${user}` }),
      });
      assert.equal(created.status, 201);
      secrets[user] = ((await created.json()) as { secret: string }).secret;
    }
  });

  after(async () => {
    for (const child of live) child.process.kill('SIGTERM');
    await Promise.all(every.map((child) => child.exited));
    await emulator?.close();
    await flakyEmulator?.close();
    await schema?.drop();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(
        cursor,
        'MATCH',
        `sytest-3r-*${runId}*`,
        'COUNT',
        500,
      );
      cursor = nextCursor;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await rm(directory, { recursive: true, force: true });
  });

  it('enforces one token rate limit across the three replicas', async (t) => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, index) => {
        const child = live[index % 3]!;
        const answer = await chat(child, secrets.limited, {
          model: 'fast',
          max_tokens: maxTokens,
          temperature: 0.7,
          messages: [{ role: 'user', content: limitPrompt }],
        });
        remember(answer, child);
        return { answer, replica: index % 3 };
      }),
    );
    const served = answers.filter(({ answer }) => answer.status === 200);
    const refused = answers.filter(({ answer }) => answer.status === 429);
    const errors = answers.length - served.length - refused.length;
    const admitted = served.reduce((sum, { answer }) => sum + answer.totalTokens, 0);
    const perReplica = [0, 1, 2].map(
      (replica) => served.filter((entry) => entry.replica === replica).length,
    );
    t.diagnostic(
      `rate limit: ${answers.length} requests over 3 replicas, ${served.length} served (${perReplica.join('/')}), ${refused.length} refused 429, ${errors} errors; admitted ${admitted} tokens of a ${burstTokens}-token bucket (${((admitted / burstTokens) * 100).toFixed(1)} %, requests of ${requestTokens})`,
    );
    assert.equal(errors, 0);
    assert.equal(
      served[0]?.answer.totalTokens,
      requestTokens,
      'reservation = usage for this prompt',
    );
    assert.ok(Math.abs(admitted - burstTokens) <= requestTokens, `admitted ${admitted}`);
    // Each replica on its own would have admitted up to the whole bucket.
    assert.ok(perReplica.every((count) => count * requestTokens < burstTokens));
  });

  it('keeps the spend of the three replicas under one daily cap', async (t) => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, index) => {
        const child = live[index % 3]!;
        const answer = await chat(child, secrets.crowd, {
          model: 'paid',
          max_tokens: maxTokens,
          temperature: 0.7,
          messages: [{ role: 'user', content: limitPrompt }],
        });
        remember(answer, child);
        return answer;
      }),
    );
    const served = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status !== 200 && answer.status < 500);
    const spentUsd = served.reduce((sum, answer) => sum + answer.totalTokens * 0.001, 0);
    t.diagnostic(
      `spend cap: ${answers.length} concurrent requests over 3 replicas, ${served.length} served, ${refused.length} refused (${[...new Set(refused.map((answer) => answer.status))].join(', ')}), ${answers.length - served.length - refused.length} errors; spent $${spentUsd.toFixed(4)} of a $${capUsd} cap`,
    );
    assert.equal(answers.length - served.length - refused.length, 0, 'no 5xx');
    assert.ok(served.length > 0 && served.length < answers.length);
    assert.ok(spentUsd <= capUsd, `spent $${spentUsd}`);
  });

  it('serves cache hits on one replica for answers another replica stored', async (t) => {
    const upstreamBefore = emulator.requests.length;
    const results: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      const body = {
        model: 'fast',
        temperature: 0,
        max_tokens: 16,
        messages: [{ role: 'user', content: `cache across replicas ${runId} question ${index}` }],
      };
      const first = live[index % 3]!;
      const stored = await chat(first, secrets.load, body);
      remember(stored, first);
      assert.equal(stored.status, 200);
      assert.equal(stored.cache, 'miss', `first ask of question ${index}`);
      // The answer is stored after it was sent: wait until it is in Redis (bounded).
      for (let poll = 0; poll < 100 && (await countKeys(`${cachePrefix}*`)) <= index; poll += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const other of [live[(index + 1) % 3]!, live[(index + 2) % 3]!]) {
        const again = await chat(other, secrets.load, body);
        remember(again, other);
        assert.equal(again.status, 200);
        results.push(again.cache ?? 'none');
        assert.equal(
          JSON.parse(again.body).choices[0].message.content,
          JSON.parse(stored.body).choices[0].message.content,
        );
      }
    }
    const hits = results.filter((result) => result === 'hit').length;
    const upstream = emulator.requests.length - upstreamBefore;
    t.diagnostic(
      `cache: 12 questions asked once on one replica and again on the two others: ${hits}/${results.length} hits on the other replicas (${results.join(',')}), ${upstream} upstream calls for 36 requests`,
    );
    assert.equal(hits, results.length);
    assert.equal(upstream, 12);
  });

  it('keeps circuit-breaker state per replica (by design: not shared)', async (t) => {
    const breakerState = async (child: Child): Promise<string | undefined> => {
      const response = await fetch(`${child.url}/admin/providers`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      const body = (await response.json()) as {
        deployments: Array<{ deployment: string; breaker: { state: string } }>;
      };
      return body.deployments.find((entry) => entry.deployment === 'flaky/gpt-4o-mini')?.breaker
        .state;
    };
    const [first, second, third] = live as [Child, Child, Child];
    let servedByFallback = 0;
    for (let index = 0; index < 6; index += 1) {
      const answer = await chat(first, secrets.load, {
        model: 'shaky',
        temperature: 0.7,
        max_tokens: 8,
        messages: [{ role: 'user', content: `breaker ${index}` }],
      });
      remember(answer, first);
      if (answer.status === 200) servedByFallback += 1;
    }
    const states = [
      await breakerState(first),
      await breakerState(second),
      await breakerState(third),
    ];
    t.diagnostic(
      `breakers: 6 requests on ${first.id} with its first deployment failing: ${servedByFallback} served by the fallback; flaky/gpt-4o-mini breaker ${first.id} ${states[0]}, ${second.id} ${states[1]}, ${third.id} ${states[2]}`,
    );
    assert.equal(servedByFallback, 6);
    assert.deepEqual(states, ['open', 'closed', 'closed']);
  });

  it('loses no client request through a rolling restart (SIGTERM one replica at a time)', async (t) => {
    // Streams of ~10 chunks 40 ms apart: requests are in flight whenever a replica gets SIGTERM.
    emulator.setFaults({ chunkDelayMs: 40, latencyMs: 20 });
    const stats = {
      sent: 0,
      completed: 0,
      failed: 0,
      retriedDraining: 0,
      retriedRefused: 0,
      retriedReset: 0,
      retriedOther: 0,
      streamed: 0,
    };
    const failures: string[] = [];
    const perReplica = new Map<string, number>();
    let turn = 0;
    let restartsDone = false;
    let sentAfterRestarts = 0;
    const maxRequests = 3_000;

    // What a load balancer does for a client: pick a replica, and on a refused connection or a
    // 503 `service_draining` (the replica left rotation) send the request to another one.
    async function balancedRequest(index: number): Promise<void> {
      const streamed = index % 2 === 0;
      const body = {
        model: 'fast',
        temperature: 0.7,
        max_tokens: 32,
        stream: streamed,
        messages: [{ role: 'user', content: `rolling restart request ${index} of run ${runId}` }],
      };
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const child = live[(turn += 1) % live.length]!;
        let answer: Answer;
        try {
          answer = await chat(child, secrets.load, body);
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code;
          if (code === 'ECONNREFUSED') stats.retriedRefused += 1;
          // A keep-alive connection the draining replica closed as this request was written: no
          // response byte came back (a load balancer retries these too). The trace check below
          // shows whether any such request had been processed anyway.
          else if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') stats.retriedReset += 1;
          else {
            stats.retriedOther += 1;
            failures.push(`attempt error ${code ?? String(error)}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        if (answer.status === 503 && answer.body.includes('service_draining')) {
          stats.retriedDraining += 1;
          continue;
        }
        if (isComplete(answer, streamed)) {
          stats.completed += 1;
          if (streamed) stats.streamed += 1;
          remember(answer, child);
          perReplica.set(child.id, (perReplica.get(child.id) ?? 0) + 1);
        } else {
          stats.failed += 1;
          failures.push(`${answer.status} ${answer.body.slice(0, 200)}`);
        }
        return;
      }
      stats.failed += 1;
      failures.push(`request ${index}: no replica answered in 10 attempts`);
    }

    async function worker(): Promise<void> {
      while (stats.sent < maxRequests && (!restartsDone || sentAfterRestarts < 60)) {
        const index = (stats.sent += 1);
        if (restartsDone) sentAfterRestarts += 1;
        await balancedRequest(index);
      }
    }

    const restarts: string[] = [];
    async function rollingRestart(): Promise<void> {
      // Let the load reach every replica first.
      while (stats.completed < 30) await new Promise((resolve) => setTimeout(resolve, 50));
      for (const old of [...live]) {
        const inFlightAtStop = stats.sent - stats.completed - stats.failed;
        old.process.kill('SIGTERM');
        const code = await old.exited;
        live.splice(live.indexOf(old), 1);
        assert.equal(code, 0, `${old.id} exits 0 after draining`);
        const fresh = await startChild(configPath, directory);
        live.push(fresh);
        every.push(fresh);
        restarts.push(
          `${old.id} → ${fresh.id} (client requests in flight at SIGTERM: ${inFlightAtStop})`,
        );
      }
      restartsDone = true;
    }

    const startedAt = Date.now();
    await Promise.all([rollingRestart(), ...Array.from({ length: 6 }, () => worker())]);
    emulator.clearFaults();
    const seconds = (Date.now() - startedAt) / 1000;
    t.diagnostic(`rolling restart: ${restarts.join('; ')}`);
    t.diagnostic(
      `rolling restart: ${stats.sent} client requests (${stats.streamed} streamed) in ${seconds.toFixed(1)} s, ${stats.completed} completed, ${stats.failed} failed; load-balancer retries: ${stats.retriedDraining} after 503 service_draining, ${stats.retriedRefused} after a refused connection, ${stats.retriedReset} after a connection closed before any response byte, ${stats.retriedOther} other${failures.length ? `; problems: ${failures.slice(0, 5).join(' | ')}` : ''}`,
    );
    t.diagnostic(
      `rolling restart: completed per replica ${[...perReplica].map(([id, count]) => `${id} ${count}`).join(', ')}`,
    );
    assert.deepEqual(failures, []);
    assert.equal(stats.failed, 0);
    assert.equal(stats.completed, stats.sent);
    assert.equal(stats.retriedOther, 0, 'no timeout or other error to retry');
    // Every process, old and new, served part of the load.
    assert.equal(perReplica.size, 6);
  });

  it('stores the traces of all replicas in one llm_traces table: every served request once', async (t) => {
    // Stop every replica: the drain flushes what each has queued.
    for (const child of live.splice(0)) child.process.kill('SIGTERM');
    const codes = await Promise.all(every.map((child) => child.exited));
    assert.ok(
      codes.every((code) => code === 0),
      `exit codes ${codes.join(',')}`,
    );
    const rows = await schema.query<{ request_id: string; status: number }>(
      'SELECT request_id, status FROM llm_traces',
    );
    const [counts] = await schema.query<{ total: string; distinct_ids: string }>(
      'SELECT count(*) AS total, count(DISTINCT request_id) AS distinct_ids FROM llm_traces',
    );
    const stored = new Set(rows.map((row) => row.request_id));
    const missing = [...servedBy.keys()].filter((requestId) => !stored.has(requestId));
    // Rows of requests whose answer no client received: processed, then retried elsewhere.
    const unknown = rows.filter((row) => !servedBy.has(row.request_id));
    const perReplica = new Map<string, number>();
    for (const [requestId, replica] of servedBy) {
      if (stored.has(requestId)) perReplica.set(replica, (perReplica.get(replica) ?? 0) + 1);
    }
    const duplicates = Number(counts?.total) - Number(counts?.distinct_ids);
    t.diagnostic(
      `traces: ${rows.length} rows in one table, ${servedBy.size} answered requests known to the client, ${missing.length} missing, ${duplicates} duplicate request ids, ${unknown.length} rows of requests no client got an answer for (statuses ${[...new Set(unknown.map((row) => row.status))].join(',') || '-'}); rows per process ${[...perReplica].map(([id, count]) => `${id} ${count}`).join(', ')}`,
    );
    assert.equal(duplicates, 0);
    assert.deepEqual(missing, []);
    assert.equal(perReplica.size, every.length, 'rows from every process');
  });
});
