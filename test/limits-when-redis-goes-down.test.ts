// Redis stopped mid-test (a TCP proxy in front of it is closed): rate limits fail open and caps fail
// closed by default (each configurable), with a log line and a limits event, and no request hangs;
// when Redis is back, limits apply again.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { subscribeLimitEvents, type LimitEvent } from '../src/limits/limit-events.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

/** A TCP proxy to Redis that can be cut (listener closed, every connection destroyed) and restored. */
function createRedisProxy(target = { host: '127.0.0.1', port: 6379 }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = createConnection(target);
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
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server?.address() as AddressInfo).port;
        resolve();
      });
    });
  return {
    get port() {
      return port;
    },
    start: listen,
    async stop() {
      const closing = new Promise<void>((resolve) =>
        server ? server.close(() => resolve()) : resolve(),
      );
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closing;
    },
  };
}

async function timed<T>(
  work: () => Promise<T>,
): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const started = performance.now();
  const [result] = await Promise.allSettled([work()]);
  return { ms: performance.now() - started, result: result as PromiseSettledResult<T> };
}

describe('limits when Redis goes down', () => {
  let emulator: Emulator;
  let proxy: ReturnType<typeof createRedisProxy>;
  let defaults: TestGateway;
  let inverted: TestGateway;
  const events: LimitEvent[] = [];
  const keyPrefix = `sytest-${randomUUID()}`;
  let unsubscribe: () => void;

  const ask = (gateway: TestGateway, feature?: string) =>
    new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
      timeout: 10_000,
      defaultHeaders: {
        'x-switchyard-user': 'outage',
        ...(feature ? { 'x-switchyard-feature': feature } : {}),
      },
    }).chat.completions
      .create({
        model: 'paid',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hello there' }],
      })
      .withResponse();

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    proxy = createRedisProxy();
    await proxy.start();
    const base = (extra: Record<string, unknown>) =>
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { paid: [{ provider: 'upstream', model: 'priced-model' }] },
        {
          traces: { enabled: false },
          redis: {
            url: `redis://127.0.0.1:${proxy.port}`,
            keyPrefix,
            commandTimeoutMs: 250,
            connectTimeoutMs: 250,
          },
          pricing: { models: { 'priced-model': { inputPerMTok: 1, outputPerMTok: 1 } } },
          limits: { tiers: { default: { tokensPerMinute: 100_000 } } },
          caps: { features: { report: 100 } },
          ...extra,
        },
      );
    defaults = await startGateway(base({}));
    inverted = await startGateway(
      base({
        limits: { failureMode: 'closed', tiers: { default: { tokensPerMinute: 100_000 } } },
        caps: { failureMode: 'open', features: { report: 100 } },
      }),
    );
    unsubscribe = subscribeLimitEvents((event) => events.push(event));
  });

  after(async () => {
    unsubscribe();
    await defaults?.close();
    await inverted?.close();
    await proxy?.stop();
    await emulator?.close();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('applies limits while Redis is up', async () => {
    const { response } = await ask(defaults, 'report');
    assert.equal(response.headers.get('x-ratelimit-limit-tokens'), '100000');
  });

  it('fails rate limits open and caps closed by default, quickly, with a log line and an event', async () => {
    await proxy.stop();
    const rateOnly = await timed(() => ask(defaults));
    assert.equal(
      rateOnly.result.status,
      'fulfilled',
      String((rateOnly.result as PromiseRejectedResult).reason),
    );
    assert.ok(rateOnly.ms < 3_000, `${rateOnly.ms} ms`);
    const capped = await timed(() => ask(defaults, 'report'));
    assert.equal(capped.result.status, 'rejected');
    const error = capped.result.reason as unknown;
    assert.ok(error instanceof OpenAI.InternalServerError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.code, 'limits_unavailable');
    assert.ok(capped.ms < 3_000, `${capped.ms} ms`);
    assert.ok(
      defaults.logs.some((line) =>
        line.includes('limit store failed: admitting requests without this limit (fail open)'),
      ),
    );
    assert.ok(
      defaults.logs.some((line) =>
        line.includes('limit store failed: refusing requests (fail closed)'),
      ),
    );
    assert.ok(
      events.some(
        (event) =>
          event.type === 'store-error' && event.policy === 'open' && event.limit === 'rate',
      ),
    );
    assert.ok(
      events.some(
        (event) =>
          event.type === 'store-error' && event.policy === 'closed' && event.limit === 'cap',
      ),
    );
  });

  it('follows the configured policy when it is inverted', async () => {
    const rateOnly = await timed(() => ask(inverted));
    assert.equal(rateOnly.result.status, 'rejected');
    assert.equal((rateOnly.result.reason as { status?: number }).status, 503);
    assert.ok(rateOnly.ms < 3_000);
  });

  it('applies limits again once Redis is back', async () => {
    await proxy.start();
    let headers: string | null = null;
    for (let attempt = 0; attempt < 50 && headers === null; attempt += 1) {
      const { result } = await timed(() => ask(defaults, 'report'));
      if (result.status === 'fulfilled')
        headers = result.value.response.headers.get('x-ratelimit-limit-tokens');
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(headers, '100000');
  });
});
