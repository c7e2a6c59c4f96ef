// Token rate limits over real Redis: a burst beyond the bucket is refused with 429 and the OpenAI
// rate-limit headers before any upstream call; every success carries the same headers; the unused
// part of a reservation is refunded once the real usage is known (JSON and streams).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { countTokens } from 'gpt-tokenizer';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const goDuration = /^(\d+h)?(\d+m)?(\d+(\.\d+)?s|\d+ms)$/;

describe('token rate limits', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  const keyPrefix = `sytest-${randomUUID()}`;
  const prompt = 'Name three rivers in Europe and say something short about each of them please';

  const client = (user: string) =>
    new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
      defaultHeaders: { 'x-switchyard-user': user },
    });
  const ask = (user: string, maxTokens: number) =>
    client(user)
      .chat.completions.create({
        model: 'fast',
        max_tokens: maxTokens,
        messages: [{ role: 'user', content: prompt }],
      })
      .withResponse();

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        {
          traces: { enabled: false },
          redis: { url: redisUrl, keyPrefix },
          // 1 token/s refill: the bucket barely moves during a test.
          limits: {
            tiers: { default: { tokensPerMinute: 60, burstTokens: 1000 } },
            // A per-user override with a tighter per-model bucket on top.
            users: {
              'per-model': {
                tokensPerMinute: 60,
                burstTokens: 5000,
                models: { fast: { tokensPerMinute: 60, burstTokens: 500 } },
              },
            },
          },
        },
      ),
    );
  });

  after(async () => {
    await gateway?.close();
    await emulator?.close();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('puts the rate-limit headers on a success', async () => {
    const { response, data } = await ask('headers', 100);
    assert.ok(data.choices[0]?.message.content);
    assert.equal(response.headers.get('x-ratelimit-limit-tokens'), '1000');
    const remaining = Number(response.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(remaining > 800 && remaining < 1000, String(remaining));
    assert.match(response.headers.get('x-ratelimit-reset-tokens') ?? '', goDuration);
  });

  it('refuses a burst that exceeds the bucket with 429, retry-after and the headers', async () => {
    const before = emulator.requests.length;
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => ask('burst', 400)));
    const refused = results.filter((result) => result.status === 'rejected');
    assert.equal(
      refused.length,
      1,
      'two reservations of ~420 tokens fit in 1000, the third does not',
    );
    const error = (refused[0] as PromiseRejectedResult).reason as unknown;
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limited');
    assert.match(error.message, /Rate limit reached for tokens \(user:burst\)/);
    const headers = error.headers;
    assert.equal(headers.get('x-ratelimit-limit-tokens'), '1000');
    const remaining = Number(headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(remaining >= 0 && remaining < 420, String(remaining));
    assert.match(headers.get('x-ratelimit-reset-tokens') ?? '', goDuration);
    // The missing tokens at 1 token/s: several minutes, in whole seconds.
    const retryAfter = Number(headers.get('retry-after'));
    assert.ok(retryAfter > 60, String(retryAfter));
    // Longer than the 60 s openai-node honours: the SDKs are told not to retry at all.
    assert.equal(headers.get('x-should-retry'), 'false');
    assert.equal(emulator.requests.length - before, 2, 'the refused request never went upstream');
  });

  it('refunds the unused part of the reservation after the call', async () => {
    const first = await ask('refund', 400);
    const reserved = 1000 - Number(first.response.headers.get('x-ratelimit-remaining-tokens'));
    const used = first.data.usage?.total_tokens ?? 0;
    assert.ok(used > 0 && used < reserved - 300, `used ${used} of ${reserved} reserved`);
    const second = await ask('refund', 400);
    const remaining = Number(second.response.headers.get('x-ratelimit-remaining-tokens'));
    // Without the refund: 1000 - 2 × reserved. With it: 1000 - used - reserved (+ a few refilled).
    const expected = 1000 - used - reserved;
    assert.ok(remaining >= expected && remaining <= expected + 5, `${remaining} vs ${expected}`);
  });

  it('settles a streamed answer with the usage of its last chunk', async () => {
    const stream = await client('stream').chat.completions.create({
      model: 'fast',
      max_tokens: 400,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: prompt }],
    });
    let used = 0;
    for await (const chunk of stream) used = chunk.usage?.total_tokens ?? used;
    assert.ok(used > 0);
    const { response } = await ask('stream', 1);
    const remaining = Number(response.headers.get('x-ratelimit-remaining-tokens'));
    const reservedSecond = 1000 - used - remaining;
    assert.ok(reservedSecond > 0 && reservedSecond < 60, `second reservation ${reservedSecond}`);
  });

  it('applies per-user limits and a per-model bucket, reporting the tightest', async () => {
    // Two at once: ~420 tokens each fit the user's 5000 but not the model's 500.
    const results = await Promise.allSettled([ask('per-model', 400), ask('per-model', 400)]);
    const served = results.find((result) => result.status === 'fulfilled');
    const refused = results.find((result) => result.status === 'rejected');
    assert.ok(served && refused, 'one served, one refused');
    assert.equal(served.value.response.headers.get('x-ratelimit-limit-tokens'), '500');
    const error = refused.reason as unknown;
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.headers.get('x-ratelimit-limit-tokens'), '500');
  });

  it('refuses a request larger than the bucket for good (x-should-retry: false)', async () => {
    await assert.rejects(ask('huge', 5000), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers.get('x-should-retry'), 'false');
      assert.match(error.message, /Request too large/);
      return true;
    });
  });

  it('counts a long prompt exactly, a slice at a time, and refuses it when it is over the bucket', async () => {
    // ~60,000 characters: counted in slices with the event loop free between them.
    const long = `${prompt}, and then the next river. `.repeat(600);
    const expected = countTokens(long) + 6; // 3 for the message's framing, 3 to prime the reply
    await assert.rejects(
      client('long-prompt').chat.completions.create({
        model: 'fast',
        max_tokens: 10,
        messages: [{ role: 'user', content: long }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.match(error.message, new RegExp(`\\(${expected} prompt \\+ 10 max output\\)`));
        return true;
      },
    );
  });

  it('answers the Anthropic SDK with a 429 rate_limit_error', async () => {
    const anthropic = new Anthropic({
      baseURL: gateway.url,
      apiKey: 'unused',
      maxRetries: 0,
      defaultHeaders: { 'x-switchyard-user': 'anthropic' },
    });
    await assert.rejects(
      anthropic.messages.create({
        model: 'fast',
        max_tokens: 5000,
        messages: [{ role: 'user', content: prompt }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.RateLimitError, String(error));
        assert.equal(
          (error.error as { error?: { type?: string } }).error?.type,
          'rate_limit_error',
        );
        assert.equal(error.headers.get('x-ratelimit-limit-tokens'), '1000');
        assert.equal(error.headers.get('anthropic-ratelimit-tokens-limit'), '1000');
        assert.match(
          error.headers.get('anthropic-ratelimit-tokens-reset') ?? '',
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/,
        );
        return true;
      },
    );
  });
});
