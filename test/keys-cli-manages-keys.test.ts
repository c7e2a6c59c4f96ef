// `switchyard keys create|list|revoke` against a running gateway's admin API: the created secret
// works, the list never shows a secret, a revoked key is refused, and errors exit 1 with a message.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { createProgram } from '../src/cli/create-program.js';
import { createTestSchema, type TestSchema } from './helpers/postgres-schema.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

const adminKey = 'admin-key-for-cli-tests-0123456789';

async function runCli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const program = createProgram({
    env,
    cwd: process.cwd(),
    stdout: out,
    stderr: err,
    onSignal: () => undefined,
    exit: (code) => {
      exitCode = code;
    },
  });
  await program.parseAsync(['node', 'switchyard', ...args]);
  return { stdout, stderr, exitCode };
}

describe('switchyard keys', () => {
  let emulator: Emulator;
  let schema: TestSchema;
  let gateway: TestGateway;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    schema = await createTestSchema('keys_cli');
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        {
          database: { url: schema.url },
          traces: { enabled: false },
          admin: { apiKey: adminKey },
          keys: { cacheTtlMs: 0 },
        },
      ),
    );
  });

  after(async () => {
    await gateway?.close();
    await emulator?.close();
    await schema?.drop();
  });

  it('creates a key whose secret works, lists it without the secret, and revokes it', async () => {
    const env = { SWITCHYARD_URL: gateway.url, SWITCHYARD_ADMIN_KEY: adminKey };
    const created = await runCli(
      ['keys', 'create', '--user', 'bob', '--tier', 'free', '--models', 'fast', '--daily-usd', '5'],
      env,
    );
    assert.equal(created.exitCode, 0, created.stderr);
    const secret = /\s(sy-[A-Za-z0-9_-]{32})\s/.exec(created.stdout)?.[1];
    assert.ok(secret, created.stdout);
    assert.match(created.stdout, /shown once/);
    const id = /created (key_[0-9a-f]+)/.exec(created.stdout)?.[1] ?? '';

    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: secret, maxRetries: 0 });
    await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
    });

    const listed = await runCli(['keys', '--json', 'list'], env);
    const keys = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.id, id);
    assert.equal(keys[0]?.user, 'bob');
    assert.deepEqual(keys[0]?.models, ['fast']);
    assert.equal(keys[0]?.dailyUsd, 5);
    assert.ok(!listed.stdout.includes(secret));
    const table = await runCli(['keys', 'list'], env);
    assert.match(table.stdout, /^ID\s+PREFIX\s+OWNER/);
    assert.match(table.stdout, new RegExp(`${id}\\s+sy-\\S+…\\s+user:bob\\s+free\\s+fast\\s+\\$5`));

    const revoked = await runCli(['keys', 'revoke', id], env);
    assert.equal(revoked.exitCode, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`revoked ${id} \\(user:bob\\)`));
    await assert.rejects(
      client.chat.completions.create({
        model: 'fast',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      OpenAI.AuthenticationError,
    );
    const all = await runCli(['keys', '--json', 'list', '--all'], env);
    assert.ok((JSON.parse(all.stdout) as Array<{ revokedAt?: string }>)[0]?.revokedAt);
    assert.equal(JSON.parse((await runCli(['keys', '--json', 'list'], env)).stdout).length, 0);
  });

  it('exits 1 with a message on a wrong admin key or an unreachable gateway', async () => {
    const wrong = await runCli([
      'keys',
      '--url',
      gateway.url,
      '--admin-key',
      'nope-nope-nope-nope',
      'list',
    ]);
    assert.equal(wrong.exitCode, 1);
    assert.match(wrong.stderr, /401: The admin API needs the admin key/);
    const missing = await runCli(['keys', '--url', gateway.url, 'list']);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /no admin key/);
    const down = await runCli([
      'keys',
      '--url',
      'http://127.0.0.1:9',
      '--admin-key',
      adminKey,
      'list',
    ]);
    assert.equal(down.exitCode, 1);
    assert.match(down.stderr, /cannot reach the gateway/);
  });
});
