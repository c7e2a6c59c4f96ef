// Zero loss: the gateway starts while PostgreSQL is unreachable (a closed port), rows go to the disk
// spool; the port opens (a TCP proxy in front of 5432) and the spool is replayed; the proxy is then
// cut mid-load and restored. In the end the table holds exactly one row per request, no more.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import pg from 'pg';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { postgresUrl, withSearchPath } from './helpers/trace-database.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

/** A TCP proxy to PostgreSQL that can be started and cut on a fixed port. */
function createProxy(port: number) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    async start() {
      server = createServer((client) => {
        const upstream = connect(5432, '127.0.0.1');
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    },
    async stop() {
      const closing = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('traces survive a database outage', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;
  let proxy: ReturnType<typeof createProxy>;
  let admin: pg.Client;
  let dir: string;
  let closed = false;
  const schema = `outage_${randomBytes(5).toString('hex')}`;
  const ids = new Set<string>();

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const family = parsePrometheusTextFormat(text).find((entry) => entry.name === name);
    return Number(family?.metrics[0]?.value ?? NaN);
  }

  async function rowCount(): Promise<number> {
    const { rows } = await admin.query<{ count: string }>(
      `SELECT count(*) FROM ${schema}.llm_traces`,
    );
    return Number(rows[0]?.count);
  }

  async function send(index: number): Promise<void> {
    const { response } = await client.chat.completions
      .create({
        model: 'fast',
        temperature: 0.5,
        messages: [{ role: 'user', content: `request number ${index}` }],
      })
      .withResponse();
    ids.add(response.headers.get('x-switchyard-request-id') as string);
  }

  before(async () => {
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    dir = await mkdtemp(join(tmpdir(), 'switchyard-outage-'));
    const port = await freePort();
    proxy = createProxy(port);
    emulator = await startEmulator({ kind: 'openai' });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        {
          database: {
            url: withSearchPath(`postgres://postgres@127.0.0.1:${port}/test`, schema),
            statementTimeoutMs: 2_000,
          },
          traces: { flushIntervalMs: 50, retryDelayMs: 100, batchSize: 10, spoolDir: dir },
        },
      ),
    );
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  after(async () => {
    if (!closed) await gateway?.close();
    await proxy?.stop();
    await emulator?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('spools while the port is closed', async () => {
    for (let index = 0; index < 30; index += 1) await send(index);
    await until(async () => (await metric('switchyard_trace_spooled_rows')) === 30, 'spooled');
    assert.ok((await metric('switchyard_trace_write_failures_total')) > 0);
  });

  it('replays the spool once the database answers', async () => {
    await proxy.start();
    await until(async () => (await metric('switchyard_trace_spooled_rows')) === 0, 'replayed');
    assert.equal(await rowCount(), 30);
  });

  it('loses no row when the connection is cut mid-load', async () => {
    const failuresBefore = await metric('switchyard_trace_write_failures_total');
    let next = 30;
    const load = async () => {
      for (let round = 0; round < 20; round += 1) {
        await Promise.all([send(next++), send(next++), send(next++)]);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const running = load();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await proxy.stop();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await proxy.start();
    await running;
    assert.equal(ids.size, 90);
    await until(async () => (await rowCount()) === 90, 'all rows written');
    // The cut was real: writes failed while it lasted (and those rows went through the spool).
    assert.ok((await metric('switchyard_trace_write_failures_total')) > failuresBefore);
  });

  it('close flushes, and no row is written twice', async () => {
    await gateway.close();
    closed = true;
    const { rows } = await admin.query<{ request_id: string }>(
      `SELECT request_id FROM ${schema}.llm_traces`,
    );
    assert.equal(rows.length, ids.size);
    assert.deepEqual(new Set(rows.map((row) => row.request_id)), ids);
    const daily = await admin.query<{ requests: string }>(
      `SELECT sum(requests) AS requests FROM ${schema}.llm_traces_daily`,
    );
    assert.equal(Number(daily.rows[0]?.requests), ids.size);
  });
});
