// The exact response cache over real HTTP, with the in-process store and with real Redis: hits
// within a tenant, never across tenants, only deterministic requests unless forced, streamed hits
// through the official openai SDK, nothing stored from a truncated or failed upstream answer.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createServerOnFreePort } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The counts a cached answer reproduces (the upstream's zero-valued detail fields are not kept). */
function coreUsage(usage: OpenAI.CompletionUsage | null | undefined) {
  return {
    prompt: usage?.prompt_tokens,
    completion: usage?.completion_tokens,
    total: usage?.total_tokens,
    cached: usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

async function poll(condition: () => Promise<boolean>, what: string, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const storeKind of ['memory', 'redis'] as const) {
  describe(`exact response cache (${storeKind} store)`, () => {
    let emulator: Emulator;
    let gateway: TestGateway;
    let client: OpenAI;
    const keyPrefix = `switchyard-test:${randomBytes(6).toString('hex')}:`;
    let redis: Redis | undefined;

    before(async () => {
      emulator = await startEmulator({ kind: 'openai' });
      const cache: Record<string, unknown> = {
        store: storeKind,
        aliases: { creative: { mode: 'always', ttlSeconds: 60 } },
      };
      if (storeKind === 'redis') {
        cache.redis = { url: redisUrl, keyPrefix };
        redis = new Redis(redisUrl);
      }
      gateway = await startGateway(
        configFor(
          { upstream: { baseUrl: `${emulator.url}/v1` } },
          {
            fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
            creative: [{ provider: 'upstream', model: 'gpt-4o-mini' }],
          },
          { cache },
        ),
      );
      client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      if (redis) {
        // The Redis store fails fast while connecting: wait until a request reaches it.
        await poll(async () => {
          const response = await post({
            model: 'fast',
            temperature: 0,
            messages: [{ role: 'user', content: 'warm up' }],
          });
          return response.headers.get('x-switchyard-cache') !== 'bypass';
        }, 'redis store ready');
      }
    });

    after(async () => {
      await gateway.close();
      await emulator.close();
      if (redis) {
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      }
    });

    let storedBefore = 0;
    async function countStored(): Promise<number> {
      if (!redis) return 0;
      return (await redis.keys(`${keyPrefix}*`)).length;
    }
    /** Redis writes finish after the client has its answer: wait for them before the next request. */
    async function settle(expectNew: number) {
      if (!redis) return;
      await poll(async () => (await countStored()) >= storedBefore + expectNew, 'answer stored');
      storedBefore = await countStored();
    }

    function post(body: unknown, headers: Record<string, string> = {}, raw?: string) {
      return fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: raw ?? JSON.stringify(body),
      });
    }

    function upstreamCalls() {
      return emulator.requests.filter((request) => request.path === '/v1/chat/completions').length;
    }

    it('serves an identical request from one tenant from the cache, in the same shape', async () => {
      storedBefore = await countStored();
      const body = {
        model: 'fast',
        temperature: 0,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: `Name three rivers ${storeKind}` },
        ],
      };
      const calls = upstreamCalls();
      const first = await post(body, { 'x-switchyard-user': 'alice' });
      assert.equal(first.headers.get('x-switchyard-cache'), 'miss');
      const firstBody = (await first.json()) as OpenAI.ChatCompletion;
      await settle(1);
      const second = await post(body, { 'x-switchyard-user': 'alice' });
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('x-switchyard-cache'), 'hit');
      const secondBody = (await second.json()) as OpenAI.ChatCompletion;
      assert.equal(upstreamCalls(), calls + 1, 'the hit did not reach the upstream');
      assert.equal(secondBody.choices[0]?.message.content, firstBody.choices[0]?.message.content);
      assert.equal(secondBody.choices[0]?.finish_reason, 'stop');
      assert.deepEqual(coreUsage(secondBody.usage), coreUsage(firstBody.usage));

      // Key order and whitespace of the JSON do not matter.
      const reordered = `{ "messages": [ {"content": "You are terse.", "role": "system"},
        {"role":"user","content":"Name three rivers ${storeKind}"} ],
        "temperature": 0.0, "model": "fast" }`;
      const third = await post(undefined, { 'x-switchyard-user': 'alice' }, reordered);
      assert.equal(third.headers.get('x-switchyard-cache'), 'hit');
      assert.equal(upstreamCalls(), calls + 1);
    });

    it('sends concurrent identical requests upstream once (the others wait for that answer)', async () => {
      const body = {
        model: 'fast',
        temperature: 0,
        messages: [{ role: 'user', content: `Concurrent duplicates ${storeKind}` }],
      };
      const calls = upstreamCalls();
      emulator.setFaults({ latencyMs: 300, count: 1, path: '/v1/chat/completions' });
      const responses = await Promise.all(Array.from({ length: 5 }, () => post(body)));
      const statuses = responses.map((response) => response.headers.get('x-switchyard-cache'));
      const bodies = await Promise.all(
        responses.map(
          async (response) =>
            ((await response.json()) as OpenAI.ChatCompletion).choices[0]?.message.content,
        ),
      );
      assert.equal(upstreamCalls(), calls + 1);
      assert.deepEqual(statuses.sort(), ['hit', 'hit', 'hit', 'hit', 'miss']);
      assert.equal(new Set(bodies).size, 1);
      await settle(1);
    });

    it('never serves one tenant the entry of another', async () => {
      const body = {
        model: 'fast',
        temperature: 0,
        messages: [{ role: 'user', content: `Tenant isolation ${storeKind}` }],
      };
      const calls = upstreamCalls();
      const alice = await post(body, { 'x-switchyard-user': 'alice' });
      assert.equal(alice.headers.get('x-switchyard-cache'), 'miss');
      await alice.arrayBuffer();
      await settle(1);
      const bob = await post(body, { 'x-switchyard-user': 'bob' });
      assert.equal(bob.headers.get('x-switchyard-cache'), 'miss');
      await bob.arrayBuffer();
      await settle(1);
      const anonymous = await post(body);
      assert.equal(anonymous.headers.get('x-switchyard-cache'), 'miss');
      await anonymous.arrayBuffer();
      await settle(1);
      assert.equal(upstreamCalls(), calls + 3);
      const bobAgain = await post(body, { 'x-switchyard-user': 'bob' });
      assert.equal(bobAgain.headers.get('x-switchyard-cache'), 'hit');
      await bobAgain.arrayBuffer();
    });

    it('does not cache non-deterministic requests unless forced, and skips on no-store', async () => {
      const body = {
        model: 'fast',
        temperature: 0.7,
        messages: [{ role: 'user', content: `Write a poem ${storeKind}` }],
      };
      const calls = upstreamCalls();
      for (let index = 0; index < 2; index++) {
        const response = await post(body);
        assert.equal(response.headers.get('x-switchyard-cache'), 'bypass');
        await response.arrayBuffer();
      }
      assert.equal(upstreamCalls(), calls + 2);

      const forced = await post(body, { 'x-switchyard-cache': 'force' });
      assert.equal(forced.headers.get('x-switchyard-cache'), 'miss');
      await forced.arrayBuffer();
      await settle(1);
      const forcedAgain = await post(body, { 'x-switchyard-cache': 'force' });
      assert.equal(forcedAgain.headers.get('x-switchyard-cache'), 'hit');
      await forcedAgain.arrayBuffer();
      assert.equal(upstreamCalls(), calls + 3);

      // Unset temperature with a seed counts as deterministic.
      const seeded = {
        model: 'fast',
        seed: 7,
        messages: [{ role: 'user', content: `seeded ${storeKind}` }],
      };
      await (await post(seeded)).arrayBuffer();
      await settle(1);
      assert.equal((await post(seeded)).headers.get('x-switchyard-cache'), 'hit');

      const deterministic = { ...body, temperature: 0 };
      const noStore = await post(deterministic, { 'x-switchyard-cache': 'no-store' });
      assert.equal(noStore.headers.get('x-switchyard-cache'), 'bypass');
      await noStore.arrayBuffer();
      const afterNoStore = await post(deterministic);
      assert.equal(
        afterNoStore.headers.get('x-switchyard-cache'),
        'miss',
        'no-store stored nothing',
      );
      await afterNoStore.arrayBuffer();
      await settle(1);
    });

    it('caches per alias config (mode always) with its own TTL', async () => {
      const body = {
        model: 'creative',
        temperature: 1,
        messages: [{ role: 'user', content: `Alias mode ${storeKind}` }],
      };
      await (await post(body)).arrayBuffer();
      await settle(1);
      const second = await post(body);
      assert.equal(second.headers.get('x-switchyard-cache'), 'hit');
      await second.arrayBuffer();
      if (redis) {
        const keys = await redis.keys(`${keyPrefix}*`);
        const ttls = await Promise.all(keys.map((key) => redis!.ttl(key)));
        assert.ok(
          ttls.some((ttl) => ttl > 0 && ttl <= 60),
          'the alias TTL (60 s) is applied',
        );
        assert.ok(
          ttls.some((ttl) => ttl > 3600),
          'the default TTL (86400 s) is applied',
        );
      }
    });

    it('replays a cached answer as a well-formed stream through the openai SDK, with usage', async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'user', content: `Stream me the answer please ${storeKind}` },
      ];
      const collect = async () => {
        const { data: stream, response } = await client.chat.completions
          .create({
            model: 'fast',
            temperature: 0,
            messages,
            stream: true,
            stream_options: { include_usage: true },
          })
          .withResponse();
        let text = '';
        let finish: string | null | undefined;
        let usage: OpenAI.CompletionUsage | null | undefined;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
          if (chunk.usage) usage = chunk.usage;
        }
        return { text, finish, usage, cache: response.headers.get('x-switchyard-cache') };
      };
      const calls = upstreamCalls();
      const miss = await collect();
      assert.equal(miss.cache, 'miss');
      await settle(1);
      const hit = await collect();
      assert.equal(hit.cache, 'hit');
      assert.equal(upstreamCalls(), calls + 1);
      assert.ok(hit.text.length > 0);
      assert.equal(hit.text, miss.text);
      assert.equal(hit.finish, 'stop');
      assert.ok(hit.usage);
      assert.deepEqual(coreUsage(hit.usage), coreUsage(miss.usage));

      // The same answer, asked without streaming, is served from the streamed entry.
      const { data, response } = await client.chat.completions
        .create({ model: 'fast', temperature: 0, messages })
        .withResponse();
      assert.equal(response.headers.get('x-switchyard-cache'), 'hit');
      assert.equal(data.choices[0]?.message.content, miss.text);
      assert.equal(data.usage?.completion_tokens, miss.usage?.completion_tokens);
    });

    it('replays a cached tool call as a stream the SDK assembles', async () => {
      const tools: OpenAI.ChatCompletionTool[] = [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
          },
        },
      ];
      const request = {
        model: 'fast',
        temperature: 0,
        tools,
        messages: [{ role: 'user' as const, content: `Weather in Paris? ${storeKind}` }],
      };
      const first = await client.chat.completions.create(request);
      await settle(1);
      const stream = client.chat.completions.stream({ ...request, stream: true });
      const final = await stream.finalChatCompletion();
      const expected = first.choices[0]?.message.tool_calls?.[0];
      const replayed = final.choices[0]?.message.tool_calls?.[0];
      assert.ok(expected && expected.type === 'function');
      assert.ok(replayed && replayed.type === 'function');
      assert.equal(replayed.function.name, expected.function.name);
      assert.equal(replayed.function.arguments, expected.function.arguments);
      assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
    });

    it('never stores a truncated stream or a failed answer', async () => {
      const messages = [{ role: 'user' as const, content: `Fragile answer ${storeKind}` }];
      const calls = upstreamCalls();
      emulator.setFaults({ truncate: true, count: 1, path: '/v1/chat/completions' });
      const truncated = client.chat.completions.create({
        model: 'fast',
        temperature: 0,
        messages,
        stream: true,
      });
      await assert.rejects(async () => {
        for await (const chunk of await truncated) void chunk;
      });
      emulator.setFaults({ status: 500, count: 1, path: '/v1/chat/completions' });
      await assert.rejects(
        client.chat.completions.create({ model: 'fast', temperature: 0, messages }),
      );
      emulator.setFaults({ midStreamError: true, count: 1, path: '/v1/chat/completions' });
      await assert.rejects(async () => {
        const stream = await client.chat.completions.create({
          model: 'fast',
          temperature: 0,
          messages,
          stream: true,
        });
        for await (const chunk of stream) void chunk;
      });
      emulator.clearFaults();
      // Give a (wrong) write time to land before checking that none did.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const afterFaults = await post({ model: 'fast', temperature: 0, messages });
      assert.equal(afterFaults.headers.get('x-switchyard-cache'), 'miss');
      await afterFaults.arrayBuffer();
      assert.ok(upstreamCalls() > calls + 2);
      await settle(1);
      const nowCached = await post({ model: 'fast', temperature: 0, messages });
      assert.equal(nowCached.headers.get('x-switchyard-cache'), 'hit');
      await nowCached.arrayBuffer();
    });
  });
}

describe('response cache with Redis down', () => {
  it('bypasses the cache and still serves every request, without hanging', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServerOnFreePort();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const emulator = await startEmulator({ kind: 'openai' });
    const gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        {
          cache: {
            store: 'redis',
            redis: { url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 200 },
          },
        },
      ),
    );
    try {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const started = performance.now();
      for (let index = 0; index < 3; index++) {
        const { data, response } = await client.chat.completions
          .create({
            model: 'fast',
            temperature: 0,
            messages: [{ role: 'user', content: 'Redis is down' }],
          })
          .withResponse();
        assert.equal(response.headers.get('x-switchyard-cache'), 'bypass');
        assert.ok(data.choices[0]?.message.content);
      }
      const stream = await client.chat.completions.create({
        model: 'fast',
        temperature: 0,
        messages: [{ role: 'user', content: 'Redis is down' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.ok(text.length > 0);
      // Generous bound: "no hang", not a performance claim.
      assert.ok(performance.now() - started < 5_000);
      assert.ok(gateway.logs.some((line) => line.includes('cache store failed')));
    } finally {
      await gateway.close();
      await emulator.close();
    }
  });
});
