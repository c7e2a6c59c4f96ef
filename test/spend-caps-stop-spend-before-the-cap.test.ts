// Daily USD caps over real Redis: 50 concurrent requests against a cap never spend more than the
// cap; refusals come before any upstream call, name the cap, the spend and the reset, and carry
// x-should-retry: false; zero-cost requests pass a spent cap; a chain is held at its dearest
// deployment; alert thresholds reach the webhook and the log once each.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// $1000 per 1M tokens = $0.001 per token, input and output alike.
const usdPerToken = 0.001;

describe('daily USD caps', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  let webhook: Server;
  let redis: Redis;
  const keyPrefix = `sytest-${randomUUID()}`;
  const alerts: Array<Record<string, unknown>> = [];
  const prompt = 'Name three rivers in Europe and say something short about each of them please';

  const client = (user: string, feature?: string) =>
    new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: 'unused',
      maxRetries: 2,
      defaultHeaders: {
        'x-switchyard-user': user,
        ...(feature ? { 'x-switchyard-feature': feature } : {}),
      },
    });
  const ask = (user: string, model = 'paid', feature?: string) =>
    client(user, feature).chat.completions.create({
      model,
      max_tokens: 50,
      messages: [{ role: 'user', content: prompt }],
    });

  before(async () => {
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        alerts.push(JSON.parse(body) as Record<string, unknown>);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`;
    emulator = await startEmulator({ kind: 'openai' });
    redis = new Redis(redisUrl);
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        {
          paid: [{ provider: 'upstream', model: 'priced-model' }],
          free: [{ provider: 'upstream', model: 'free-model' }],
          chain: [
            { provider: 'upstream', model: 'free-model' },
            { provider: 'upstream', model: 'priced-model' },
          ],
        },
        {
          traces: { enabled: false },
          redis: { url: redisUrl, keyPrefix },
          pricing: {
            models: {
              'priced-model': { inputPerMTok: 1000, outputPerMTok: 1000 },
              'free-model': { inputPerMTok: 0, outputPerMTok: 0 },
            },
          },
          caps: { users: { crowd: 1, chain: 0.05, alerted: 1 } },
          alerts: { webhookUrl, globalDailyUsd: 1000 },
        },
      ),
    );
  });

  after(async () => {
    await gateway?.close();
    await emulator?.close();
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await new Promise<void>((resolve) => webhook.close(() => resolve()));
  });

  it('never spends more than the cap under 50 concurrent requests', async () => {
    const before = emulator.requests.length;
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => ask('crowd')));
    const served = results.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    const refused = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    const spentUsd = served.reduce(
      (sum, answer) => sum + (answer.usage?.total_tokens ?? 0) * usdPerToken,
      0,
    );
    assert.ok(
      served.length > 0 && refused.length > 0,
      `${served.length} served, ${refused.length} refused`,
    );
    assert.ok(spentUsd <= 1, `spent $${spentUsd} of a $1 cap`);
    assert.equal(
      emulator.requests.length - before,
      served.length,
      'refused requests never went upstream',
    );
    for (const error of refused) {
      assert.ok(error instanceof OpenAI.RateLimitError, String(error));
      assert.equal(error.code, 'budget_exceeded');
      assert.equal(error.headers.get('x-should-retry'), 'false');
      assert.match(
        error.message,
        /Daily budget of user:crowd exceeded: cap \$1\.00, spent \$[\d.]+ so far today.*resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/,
      );
    }
    // Sequential requests now: still refused, and the counter in Redis stays under the cap.
    await assert.rejects(ask('crowd'), OpenAI.RateLimitError);
    const spentNano = Number(await redis.hget(`${keyPrefix}:spend:{user%3Acrowd}`, 'spent'));
    assert.ok(spentNano > 0 && spentNano <= 1e9, String(spentNano));
    assert.ok(
      Math.abs(spentNano / 1e9 - spentUsd) < 1e-6,
      `redis ${spentNano / 1e9} vs answers ${spentUsd}`,
    );
  });

  it('lets zero-cost requests through a spent cap', async () => {
    await assert.rejects(ask('crowd', 'paid'), OpenAI.RateLimitError);
    const answer = await ask('crowd', 'free');
    assert.ok(answer.choices[0]?.message.content);
  });

  it('holds a fallback chain at the price of its dearest deployment', async () => {
    // The first deployment is free, but a fallback could land on the priced one: ~$0.09 > $0.05.
    await assert.rejects(ask('chain', 'chain'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.match(error.message, /this request may cost up to \$0\.0\d+/);
      return true;
    });
  });

  it('sends each alert threshold to the webhook and the log once', async () => {
    for (let index = 0; index < 40; index += 1) {
      try {
        await ask('alerted');
      } catch (error) {
        assert.ok(error instanceof OpenAI.RateLimitError);
        break;
      }
    }
    const deadline = Date.now() + 5_000;
    while (
      alerts.filter((alert) => alert.cap === 'user:alerted').length < 2 &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const mine = alerts.filter((alert) => alert.cap === 'user:alerted');
    const percents = mine.map((alert) => alert.thresholdPercent);
    assert.deepEqual(
      percents.filter((p) => p === 50),
      [50],
    );
    assert.deepEqual(
      percents.filter((p) => p === 80),
      [80],
    );
    assert.equal(mine[0]?.type, 'switchyard.spend_alert');
    assert.equal(mine[0]?.limitUsd, 1);
    assert.ok(
      gateway.logs.some((line) => line.includes('user:alerted reached 50% of its daily cap')),
    );
  });
});
