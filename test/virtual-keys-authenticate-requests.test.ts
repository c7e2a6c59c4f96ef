// Virtual keys end to end: 401 in the surface's shape without a valid key, static and database keys,
// keys stored hashed, model allow-lists (requests and GET /v1/models), the admin API and revocation.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Client } from 'undici';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { createKeyStore } from '../src/keys/key-store.js';
import { openPgliteInChildProcess } from '../src/trace-store/pglite-client.js';
import { createTestSchema, type TestSchema } from './helpers/postgres-schema.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

const adminKey = 'admin-key-for-tests-0123456789';
const staticKey = 'sy-static-key-for-tests-0123456789';

describe('virtual keys', () => {
  let emulator: Emulator;
  let schema: TestSchema;
  let gateway: TestGateway;

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${adminKey}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });
  const client = (apiKey: string) =>
    new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
  const ask = (apiKey: string, model = 'fast') =>
    client(apiKey).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    schema = await createTestSchema('keys_test');
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        {
          fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
          smart: [{ provider: 'upstream', model: 'gpt-4o' }],
        },
        {
          database: { url: schema.url },
          traces: { enabled: false },
          admin: { apiKey: adminKey },
          keys: {
            cacheTtlMs: 200,
            static: [{ key: staticKey, name: 'ci', team: 'platform', models: ['fast'] }],
          },
        },
      ),
    );
  });

  after(async () => {
    await gateway?.close();
    await emulator?.close();
    await schema?.drop();
  });

  it('refuses a request without a key with a 401 the OpenAI SDK understands', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'unauthorized');
    assert.match(body.error.message, /Missing gateway key/);
    await assert.rejects(ask('sy-not-a-real-key'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      assert.equal(error.status, 401);
      assert.match(error.message, /Invalid or revoked gateway key/);
      return true;
    });
    assert.equal(emulator.requests.length, 0, 'nothing reached the upstream');
  });

  it('refuses the Anthropic SDK with a 401 in Anthropic shape', async () => {
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'sy-wrong', maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.create({
        model: 'fast',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.AuthenticationError);
        assert.equal(
          (error.error as { error?: { type?: string } }).error?.type,
          'authentication_error',
        );
        return true;
      },
    );
  });

  it('accepts a static key from the config, limited to its models', async () => {
    const answer = await ask(staticKey);
    assert.ok(answer.choices[0]?.message.content);
    // The gateway key never travels upstream.
    assert.ok(!JSON.stringify(emulator.requests.at(-1)).includes(staticKey));
    await assert.rejects(ask(staticKey, 'smart'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.PermissionDeniedError);
      assert.match(error.message, /may not use the model 'smart'/);
      return true;
    });
    const models = await client(staticKey).models.list();
    assert.deepEqual(
      models.data.map((model) => model.id),
      ['fast'],
    );
  });

  it('creates a key through the admin API, stores only its SHA-256, and lists it without the secret', async () => {
    const created = await admin('/admin/keys', {
      method: 'POST',
      body: JSON.stringify({ user: 'alice', tier: 'free', name: 'alice laptop' }),
    });
    assert.equal(created.status, 201);
    const key = (await created.json()) as { id: string; secret: string; user: string };
    assert.match(key.secret, /^sy-[A-Za-z0-9_-]{32}$/);
    assert.equal(key.user, 'alice');
    const answer = await ask(key.secret, 'smart');
    assert.ok(answer.choices[0]?.message.content);
    const models = await client(key.secret).models.list();
    assert.deepEqual(models.data.map((model) => model.id).sort(), ['fast', 'smart']);

    const rows = await schema.query<Record<string, unknown>>('SELECT * FROM gateway_keys');
    assert.equal(rows.length, 1);
    const row = rows[0] ?? {};
    assert.equal(row.key_hash, createHash('sha256').update(key.secret).digest('hex'));
    assert.ok(!JSON.stringify(row).includes(key.secret), 'the secret is not stored');
    assert.ok(
      !JSON.stringify(row).includes(key.secret.slice(8)),
      'no part of the secret beyond the prefix',
    );

    assert.ok(
      !gateway.logs.some((line) => line.includes(key.secret) || line.includes(staticKey)),
      'no key secret in the logs',
    );

    const listed = (await (await admin('/admin/keys')).json()) as {
      data: Array<Record<string, unknown>>;
    };
    assert.equal(listed.data.length, 1);
    assert.equal(listed.data[0]?.id, key.id);
    assert.equal(listed.data[0]?.secret, undefined);
  });

  it('on one keep-alive connection, admits only the key it proved, and stops it once revoked', async () => {
    const created = (await (
      await admin('/admin/keys', { method: 'POST', body: JSON.stringify({ team: 'ops' }) })
    ).json()) as { id: string; secret: string };
    // One connection for every request (the gateway remembers a proved key per connection).
    const connection = new Client(gateway.url, { pipelining: 1 });
    const send = async (apiKey: string) => {
      const response = await connection.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await response.body.json()) as { error?: { message: string } };
      return { status: response.statusCode, message: body.error?.message };
    };
    try {
      let connects = 0;
      connection.on('connect', () => (connects += 1));
      assert.equal((await send(staticKey)).status, 200);
      assert.equal((await send(staticKey)).status, 200);
      // Same length as the key just proved, one character off at the start and at the end.
      const first = `${staticKey[0] === 's' ? 'S' : 's'}${staticKey.slice(1)}`;
      const last = `${staticKey.slice(0, -1)}${staticKey.endsWith('9') ? '8' : '9'}`;
      for (const nearMiss of [first, last]) {
        const refused = await send(nearMiss);
        assert.equal(refused.status, 401, nearMiss);
        assert.match(refused.message ?? '', /Invalid or revoked gateway key/);
      }
      assert.equal((await send(created.secret)).status, 200);
      assert.equal((await send(created.secret)).status, 200);
      const revoked = await admin(`/admin/keys/${created.id}`, { method: 'DELETE' });
      assert.equal(revoked.status, 200);
      // Revoked on this replica: refused at once, on the connection that used it.
      assert.equal((await send(created.secret)).status, 401);
      assert.equal((await send(staticKey)).status, 200);
      assert.equal(connects, 1, 'every request went over the one connection');
    } finally {
      await connection.close();
    }
  });

  it('stops a revoked key within the cache TTL', async () => {
    const created = (await (
      await admin('/admin/keys', { method: 'POST', body: JSON.stringify({ team: 'ops' }) })
    ).json()) as { id: string; secret: string };
    await ask(created.secret);
    const revoked = await admin(`/admin/keys/${created.id}`, { method: 'DELETE' });
    assert.equal(revoked.status, 200);
    assert.ok(((await revoked.json()) as { revokedAt?: string }).revokedAt);
    // Bounded: the key cache TTL is 200 ms here.
    let refused = false;
    for (let attempt = 0; attempt < 50 && !refused; attempt += 1) {
      try {
        await ask(created.secret);
        await new Promise((resolve) => setTimeout(resolve, 100));
      } catch (error) {
        assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
        refused = true;
      }
    }
    assert.ok(refused, 'the revoked key was refused');
  });

  it('binds a key to a region under strict residency (routing never leaves the region)', async () => {
    const created = (await (
      await admin('/admin/keys', {
        method: 'POST',
        body: JSON.stringify({ team: 'eu-only', region: 'eu-west-1', residency: 'strict' }),
      })
    ).json()) as { id: string; secret: string; region: string; residency: string };
    assert.equal(created.region, 'eu-west-1');
    assert.equal(created.residency, 'strict');
    const rows = await schema.query<{ residency: string }>(
      'SELECT residency FROM gateway_keys WHERE id = $1',
      [created.id],
    );
    assert.equal(rows[0]?.residency, 'strict');
    // No deployment of 'fast' declares a region, so none may serve this key.
    await assert.rejects(ask(created.secret), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 503);
      assert.equal(error.code, 'residency_unavailable');
      return true;
    });
  });

  it('protects the admin API with the admin key', async () => {
    const anonymous = await fetch(`${gateway.url}/admin/keys`);
    assert.equal(anonymous.status, 401);
    const wrong = await fetch(`${gateway.url}/admin/keys`, {
      headers: { authorization: `Bearer ${staticKey}` },
    });
    assert.equal(wrong.status, 401);
    const invalid = await admin('/admin/keys', {
      method: 'POST',
      body: JSON.stringify({ tier: 'x' }),
    });
    assert.equal(invalid.status, 400);
    assert.match(
      ((await invalid.json()) as { error: { message: string } }).error.message,
      /user or a team/,
    );
  });
});

describe('virtual keys on embedded PGlite (no database.url)', () => {
  const startLite = (directory: string, emulator: Emulator) =>
    startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        {
          database: { pgliteDir: join(directory, 'pglite') },
          traces: { enabled: true, spoolDir: join(directory, 'spool'), flushIntervalMs: 50 },
          admin: { apiKey: adminKey },
          keys: { cacheTtlMs: 0 },
        },
      ),
    );
  // The trace store connects in the background, its migrations queued behind the key store's; a
  // gateway closed before that spools its rows and closes the late handle on its own, after close()
  // has returned. Waiting for a written row keeps the directory's end state deterministic.
  const rowsWritten = async (baseUrl: string, rows: number) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      const written = /^switchyard_trace_rows_written_total(?:\{[^}]*\})? (\d+)/m.exec(text);
      if (Number(written?.[1] ?? 0) >= rows) return;
      if (Date.now() > deadline) throw new Error(`${rows} trace rows not written within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  /** A key created through the admin API (201), with its secret. */
  const createKey = async (baseUrl: string, user: string) => {
    const created = await fetch(`${baseUrl}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    assert.equal(created.status, 201);
    return (await created.json()) as { id: string; secret: string };
  };
  const ask = (baseUrl: string, apiKey: string) =>
    new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0 }).chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
    });

  it('creates, uses and revokes a key kept in the one embedded database the traces use', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'switchyard-keys-lite-'));
    const emulator = await startEmulator({ kind: 'openai' });
    const gateway = await startLite(directory, emulator);
    try {
      const key = await createKey(gateway.url, 'lite');
      await ask(gateway.url, key.secret);
      await fetch(`${gateway.url}/admin/keys/${key.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      await assert.rejects(ask(gateway.url, key.secret), OpenAI.AuthenticationError);
      await rowsWritten(gateway.url, 2);
    } finally {
      await gateway.close();
      await emulator.close();
    }
    try {
      // One database directory: no `pglite-keys` beside it. The key and the request's trace are
      // both in it.
      assert.deepEqual(
        (await readdir(directory)).filter((name) => name.startsWith('pglite')).sort(),
        ['pglite'],
      );
      const database = await openPgliteInChildProcess(join(directory, 'pglite'));
      try {
        const { rows: keys } = await database.query<{ user_id: string; revoked: boolean }>(
          'SELECT user_id, revoked_at IS NOT NULL AS revoked FROM gateway_keys',
        );
        assert.deepEqual(keys, [{ user_id: 'lite', revoked: true }]);
        // The answered request (the refused one is traced too, with no user).
        const { rows: traces } = await database.query<{ user_id: string }>(
          'SELECT user_id FROM llm_traces WHERE user_id IS NOT NULL',
        );
        assert.deepEqual(traces, [{ user_id: 'lite' }]);
      } finally {
        await database.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("serves new keys when an earlier version's <pgliteDir>-keys cannot be imported, and leaves it for the next start", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'switchyard-keys-broken-'));
    const emulator = await startEmulator({ kind: 'openai' });
    try {
      // Not a database PGlite can open: a version file and nothing else.
      await mkdir(join(directory, 'pglite-keys'), { recursive: true });
      await writeFile(join(directory, 'pglite-keys', 'PG_VERSION'), 'not a database\n');
      const gateway = await startLite(directory, emulator);
      try {
        await ask(gateway.url, (await createKey(gateway.url, 'after-failed-import')).secret);
        await rowsWritten(gateway.url, 1);
      } finally {
        await gateway.close();
      }
      const names = (await readdir(directory)).filter((name) => name.startsWith('pglite')).sort();
      assert.deepEqual(names, ['pglite', 'pglite-keys'], 'left as it was');
    } finally {
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('imports the keys an earlier version kept in <pgliteDir>-keys, once, and renames that directory', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'switchyard-keys-upgrade-'));
    const emulator = await startEmulator({ kind: 'openai' });
    try {
      // The earlier layout: a database of its own in the sibling directory.
      const legacy = await openPgliteInChildProcess(join(directory, 'pglite-keys'));
      const store = await createKeyStore(legacy);
      const kept = await store.create({ user: 'before-upgrade', models: ['fast'], dailyUsd: 5 });
      const revoked = await store.create({ team: 'gone' });
      await store.revoke(revoked.key.id);
      await legacy.close();

      const gateway = await startLite(directory, emulator);
      try {
        await ask(gateway.url, kept.secret);
        await assert.rejects(ask(gateway.url, revoked.secret), OpenAI.AuthenticationError);
        const listed = await fetch(`${gateway.url}/admin/keys?includeRevoked=true`, {
          headers: { authorization: `Bearer ${adminKey}` },
        });
        const { data } = (await listed.json()) as {
          data: { id: string; user?: string; models?: string[]; dailyUsd?: number }[];
        };
        const upgraded = data.find((key) => key.id === kept.key.id);
        assert.deepEqual(
          { user: upgraded?.user, models: upgraded?.models, dailyUsd: upgraded?.dailyUsd },
          { user: 'before-upgrade', models: ['fast'], dailyUsd: 5 },
        );
        assert.ok(data.some((key) => key.id === revoked.key.id));
        await rowsWritten(gateway.url, 2);
      } finally {
        await gateway.close();
      }
      const names = (await readdir(directory)).filter((name) => name.startsWith('pglite')).sort();
      assert.deepEqual(names, ['pglite', 'pglite-keys.imported']);

      // A restart does not import again; the keys are in the one database now.
      const restarted = await startLite(directory, emulator);
      try {
        await ask(restarted.url, kept.secret);
        await rowsWritten(restarted.url, 1);
      } finally {
        await restarted.close();
      }
    } finally {
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
