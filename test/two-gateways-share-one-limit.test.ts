// Two real gateway processes (`switchyard serve`) sharing one Redis and one PostgreSQL enforce one
// token limit and one USD cap between them, and a key revoked on one stops working on both.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { createTestSchema, type TestSchema } from './helpers/postgres-schema.js';

const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const adminKey = 'admin-key-two-gateways-0123456789';

// Text whose gpt-tokenizer count (+6 framing) equals the emulator's rule (4 + ceil(chars / 4)), so
// a reservation equals the usage that settles it and "admitted tokens" is exact.
const prompt = `lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat ${Array.from({ length: 15 }, (_, index) => String(100 + ((index * 37) % 900))).join(' ')}`;
const maxTokens = 10;
const requestTokens = countTokens(prompt) + 6 + maxTokens;
const burstTokens = 3000;

interface Child {
  process: ChildProcess;
  url: string;
  logs: string[];
  exited: Promise<number | null>;
}

async function startChild(configPath: string): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, mainFile, 'serve', '--config', configPath, '--port', '0'],
    { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  let stderr = '';
  let buffer = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        const parsed = JSON.parse(line) as { url?: string };
        if (typeof parsed.url === 'string') {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      }
    });
    void exited.then((code) => reject(new Error(`gateway exited ${code}: ${stderr}`)));
  });
  return { process: child, url, logs, exited };
}

describe('two gateway processes sharing Redis and PostgreSQL', () => {
  let emulator: Emulator;
  let schema: TestSchema;
  let directory: string;
  let redis: Redis;
  const keyPrefix = `sytest-${randomUUID()}`;
  const children: Child[] = [];
  let secret: string;
  let keyId: string;

  const client = (child: Child, apiKey: string, user?: string) =>
    new OpenAI({
      baseURL: `${child.url}/v1`,
      apiKey,
      maxRetries: 0,
      // Bounded: a stalled child fails the test instead of hanging it.
      timeout: 60_000,
      ...(user ? { defaultHeaders: { 'x-switchyard-user': user } } : {}),
    });
  const ask = (child: Child, apiKey: string, model = 'fast') =>
    client(child, apiKey).chat.completions.create({
      model,
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: prompt }],
    });

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    schema = await createTestSchema('two_gateways');
    directory = await mkdtemp(join(tmpdir(), 'switchyard-two-'));
    redis = new Redis(redisUrl);
    const config = {
      providers: { upstream: { type: 'openai', baseUrl: `${emulator.url}/v1` } },
      models: {
        fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
        paid: [{ provider: 'upstream', model: 'priced-model' }],
      },
      logging: { level: 'info' },
      traces: { enabled: false },
      metrics: { enabled: false },
      database: { url: schema.url },
      redis: { url: redisUrl, keyPrefix },
      admin: { apiKey: adminKey },
      keys: { cacheTtlMs: 1000 },
      // 1 token/s refill: the bucket barely moves during the test.
      limits: { tiers: { default: { tokensPerMinute: 60, burstTokens } } },
      pricing: { models: { 'priced-model': { inputPerMTok: 1000, outputPerMTok: 1000 } } },
      caps: { perKeyDailyUsd: 1000, users: { crowd: 1 } },
    };
    const configPath = join(directory, 'switchyard.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    children.push(...(await Promise.all([startChild(configPath), startChild(configPath)])));
    const created = await fetch(`${children[0]?.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'shared', name: 'two gateways' }),
    });
    assert.equal(created.status, 201);
    const key = (await created.json()) as { id: string; secret: string };
    secret = key.secret;
    keyId = key.id;
  });

  after(async () => {
    for (const child of children) child.process.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exited));
    await emulator?.close();
    await schema?.drop();
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await rm(directory, { recursive: true, force: true });
  });

  it('admits, across both processes, tokens within one request of the shared limit', async (t) => {
    const [a, b] = children as [Child, Child];
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, index) => ask(index % 2 === 0 ? a : b, secret)),
    );
    const served = results.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    const refused = results.filter((result) => result.status === 'rejected');
    for (const result of refused) {
      assert.ok(result.reason instanceof OpenAI.RateLimitError);
    }
    const admittedTokens = served.reduce(
      (sum, answer) => sum + (answer.usage?.total_tokens ?? 0),
      0,
    );
    assert.equal(
      served[0]?.usage?.total_tokens,
      requestTokens,
      'reservation = usage for this prompt',
    );
    assert.ok(
      Math.abs(admittedTokens - burstTokens) <= requestTokens,
      `admitted ${admittedTokens} tokens (${served.length} requests of ${requestTokens}) against ${burstTokens}`,
    );
    t.diagnostic(
      `admitted ${admittedTokens} tokens in ${served.length} requests of ${requestTokens} (limit ${burstTokens}); refused ${refused.length}`,
    );
    // Each process alone would have admitted up to the whole bucket.
    const perProcess = [0, 1].map(
      (parity) =>
        results.filter((result, index) => index % 2 === parity && result.status === 'fulfilled')
          .length,
    );
    assert.ok(
      perProcess.every((count) => count * requestTokens < burstTokens),
      `per process ${perProcess.join('/')}`,
    );
  });

  it('keeps the spend of both processes under one cap', async (t) => {
    const [a, b] = children as [Child, Child];
    const created = (await (
      await fetch(`${a.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'crowd' }),
      })
    ).json()) as { secret: string };
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) =>
        ask(index % 2 === 0 ? a : b, created.secret, 'paid'),
      ),
    );
    const served = results.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    const spentUsd = served.reduce(
      (sum, answer) => sum + (answer.usage?.total_tokens ?? 0) * 0.001,
      0,
    );
    t.diagnostic(`cap $1: ${served.length} of 50 served, spent $${spentUsd.toFixed(4)}`);
    assert.ok(served.length > 0 && served.length < 50, `${served.length} served`);
    assert.ok(spentUsd <= 1, `spent $${spentUsd} of $1`);
  });

  it('stops a key revoked on one process on both, within the key cache TTL', async () => {
    const [a, b] = children as [Child, Child];
    const fresh = (await (
      await fetch(`${a.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ team: 'revoke-me' }),
      })
    ).json()) as { id: string; secret: string };
    // Both processes have it cached now.
    await client(a, fresh.secret).models.list();
    await client(b, fresh.secret).models.list();
    const revoked = await fetch(`${a.url}/admin/keys/${fresh.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(revoked.status, 200);
    const revokedAt = Date.now();
    for (const child of [a, b]) {
      let refused = false;
      for (let attempt = 0; attempt < 40 && !refused; attempt += 1) {
        try {
          await client(child, fresh.secret).models.list();
          await new Promise((resolve) => setTimeout(resolve, 100));
        } catch (error) {
          assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
          refused = true;
        }
      }
      assert.ok(refused, `refused on ${child.url}`);
    }
    // The bound is keys.cacheTtlMs (1 s here); generous for a loaded machine.
    assert.ok(Date.now() - revokedAt < 4_000);
    assert.ok(keyId.startsWith('key_'));
  });
});
