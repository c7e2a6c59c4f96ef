// Every request through the gateway (non-stream, stream, cached input, upstream error, fallback,
// cache hit) yields exactly one llm_traces row with the emulator's token counts and the exact cost,
// on real PostgreSQL and on embedded PGlite; the daily rollup adds up to the rows.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { createTraceTarget, type TraceTarget } from './helpers/trace-database.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

// Test prices (config override), USD per 1M tokens.
const price = { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 };

interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}

function expectedCost(usage: WireUsage): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return (
    ((usage.prompt_tokens - cached) * price.inputPerMTok +
      cached * price.cachedInputPerMTok +
      usage.completion_tokens * price.outputPerMTok) /
    1_000_000
  );
}

interface TraceRow {
  request_id: string;
  status: number;
  streamed: boolean;
  requested_model: string | null;
  routed_model: string | null;
  provider: string | null;
  deployment: string | null;
  attempts: Array<{ deployment: string; outcome: string; errorKind?: string; status?: number }>;
  attempt_count: number;
  cache_status: string | null;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  usage_estimated: boolean;
  aborted: boolean;
  ttft_ms: number | null;
  total_ms: number;
  overhead_ms: number;
  cost_usd: number | null;
  cache_saved_usd: number | null;
  error_code: string | null;
  error_class: string | null;
  user_id: string | null;
  feature: string | null;
  prompt_text: string | null;
}

const longSystem = `You are a meticulous assistant. ${'Answer with care and cite nothing. '.repeat(40)}`;

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`one trace row per request (${kind})`, () => {
    let primary: Emulator;
    let backup: Emulator;
    let target: TraceTarget;
    let gateway: TestGateway;
    let client: OpenAI;
    /** request id → what the client saw. */
    const expected = new Map<
      string,
      {
        usage?: WireUsage;
        status: number;
        streamed: boolean;
        costHeader?: string | null;
        aborted?: boolean;
      }
    >();
    let rows: TraceRow[] = [];
    let daily: Array<{
      requests: string;
      cost_usd: number;
      fallbacks: string;
      cache_hits: string;
    }> = [];

    before(async () => {
      primary = await startEmulator({ kind: 'openai', apiKey: 'sk-primary' });
      backup = await startEmulator({ kind: 'openai', apiKey: 'sk-backup' });
      target = await createTraceTarget(kind);
      gateway = await startGateway(
        configFor(
          {
            primary: { baseUrl: `${primary.url}/v1`, apiKey: 'sk-primary' },
            backup: { baseUrl: `${backup.url}/v1`, apiKey: 'sk-backup' },
          },
          {
            fast: [{ provider: 'primary', model: 'emu-model' }],
            chain: [
              { provider: 'primary', model: 'emu-model' },
              { provider: 'backup', model: 'emu-model' },
            ],
          },
          {
            database: target.database,
            traces: { flushIntervalMs: 50, spoolDir: target.spoolDir },
            pricing: { models: { 'emu-model': price } },
            resilience: { breaker: { enabled: false }, retries: { maxRetries: 0 } },
            cache: {},
          },
        ),
      );
      client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    });

    let closed = false;
    after(async () => {
      if (!closed) await gateway?.close();
      await primary?.close();
      await backup?.close();
      await target?.cleanup();
    });

    async function chat(
      body: OpenAI.ChatCompletionCreateParamsNonStreaming,
      headers: Record<string, string> = {},
    ) {
      const { data, response } = await client.chat.completions
        .create(body, { headers })
        .withResponse();
      const id = response.headers.get('x-switchyard-request-id') as string;
      expected.set(id, {
        usage: data.usage as WireUsage,
        status: 200,
        streamed: false,
        costHeader: response.headers.get('x-switchyard-cost-usd'),
      });
      return { data, response, id };
    }

    it('non-stream requests, the second with a cached prompt prefix', async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'system', content: longSystem },
        { role: 'user', content: 'Name three rivers.' },
      ];
      const first = await chat(
        { model: 'fast', messages, temperature: 0.7 },
        { 'x-switchyard-user': 'alice', 'x-switchyard-feature': 'search' },
      );
      const second = await chat(
        { model: 'fast', messages, temperature: 0.7 },
        { 'x-switchyard-user': 'alice', 'x-switchyard-feature': 'search' },
      );
      assert.ok((second.data.usage?.prompt_tokens_details?.cached_tokens ?? 0) > 0);
      for (const { id } of [first, second]) {
        const seen = expected.get(id);
        assert.ok(seen?.usage && seen.costHeader);
        assert.ok(Math.abs(Number(seen.costHeader) - expectedCost(seen.usage)) < 1e-10);
      }
    });

    it('a stream with usage', async () => {
      const { data, response } = await client.chat.completions
        .create({
          model: 'fast',
          stream: true,
          stream_options: { include_usage: true },
          temperature: 0.5,
          messages: [{ role: 'user', content: 'Stream me a sentence.' }],
        })
        .withResponse();
      let usage: WireUsage | undefined;
      for await (const chunk of data) if (chunk.usage) usage = chunk.usage;
      assert.ok(usage);
      // A stream's headers leave before its usage exists: no cost header.
      assert.equal(response.headers.get('x-switchyard-cost-usd'), null);
      const id = response.headers.get('x-switchyard-request-id') as string;
      expected.set(id, { usage, status: 200, streamed: true });
    });

    it('a stream the client abandons mid-way', async () => {
      primary.setFaults({ chunkDelayMs: 150, count: 1, path: '/v1/chat/completions' });
      const controller = new AbortController();
      const { data, response } = await client.chat.completions
        .create(
          {
            model: 'fast',
            stream: true,
            stream_options: { include_usage: true },
            temperature: 0.9,
            messages: [{ role: 'user', content: 'Tell me a long story.' }],
          },
          { signal: controller.signal },
        )
        .withResponse();
      const id = response.headers.get('x-switchyard-request-id') as string;
      expected.set(id, { status: 200, streamed: true, aborted: true });
      let chunks = 0;
      try {
        for await (const chunk of data) {
          if (chunk.choices[0]?.delta.content) chunks += 1;
          if (chunks === 2) controller.abort();
        }
      } catch {
        // aborted by us
      }
      assert.equal(chunks, 2);
    });

    it('an upstream client error', async () => {
      primary.setFaults({ status: 400, count: 1, path: '/v1/chat/completions' });
      const failure = await client.chat.completions
        .create({ model: 'fast', messages: [{ role: 'user', content: 'bad' }] })
        .catch((error: unknown) => error);
      assert.ok(failure instanceof OpenAI.APIError);
      assert.equal(failure.status, 400);
      const id = failure.headers?.get('x-switchyard-request-id') as string;
      expected.set(id, { status: 400, streamed: false });
    });

    it('a fallback to the second deployment', async () => {
      primary.setFaults({ status: 503, count: 1, path: '/v1/chat/completions' });
      const { response, id } = await chat({
        model: 'chain',
        temperature: 0.3,
        messages: [{ role: 'user', content: 'Fall back please.' }],
      });
      assert.equal(response.headers.get('x-switchyard-attempts'), '2');
      assert.ok(id);
    });

    it('a cache hit (deterministic request asked twice)', async () => {
      const body = {
        model: 'fast',
        temperature: 0,
        messages: [{ role: 'user' as const, content: 'Cache this answer.' }],
      };
      await chat(body);
      const { response, id } = await chat(body);
      assert.equal(response.headers.get('x-switchyard-cache'), 'hit');
      assert.equal(response.headers.get('x-switchyard-cost-usd'), '0');
      assert.ok(id);
    });

    it('close flushes: exactly one row per request, with the right tokens and cost', async () => {
      // Written (not spooled): on a loaded machine PGlite's first start can take many seconds, and a
      // close while it is still opening would spool the rows for the next start instead.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const text = await (await fetch(`${gateway.url}/metrics`)).text();
        const written = parsePrometheusTextFormat(text).find(
          (family) => family.name === 'switchyard_trace_rows_written_total',
        );
        if (Number(written?.metrics[0]?.value ?? 0) >= expected.size) break;
        if (Date.now() > deadline) throw new Error('trace rows not written within 90 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      let started = performance.now();
      await gateway.close();
      closed = true;
      const closeMs = performance.now() - started;
      started = performance.now();
      const database = await target.open();
      console.log(
        `close ${closeMs.toFixed(0)} ms, reopen ${(performance.now() - started).toFixed(0)} ms`,
      );
      try {
        rows = (await database.query<TraceRow>('SELECT * FROM llm_traces ORDER BY time')).rows;
        daily = (
          await database.query<{
            requests: string;
            cost_usd: number;
            fallbacks: string;
            cache_hits: string;
          }>('SELECT requests, cost_usd, fallbacks, cache_hits FROM llm_traces_daily')
        ).rows;
      } finally {
        await database.close();
      }
      assert.equal(rows.length, expected.size);
      assert.deepEqual(new Set(rows.map((row) => row.request_id)), new Set(expected.keys()));
      for (const row of rows) {
        const seen = expected.get(row.request_id);
        assert.ok(seen, row.request_id);
        assert.equal(row.status, seen.status, row.request_id);
        assert.equal(row.streamed, seen.streamed);
        assert.ok(row.total_ms > 0 && row.overhead_ms >= 0 && row.overhead_ms <= row.total_ms);
        assert.equal(row.prompt_text, null, 'no prompt text unless opted in');
        if (seen.status !== 200) {
          assert.equal(row.error_code, 'upstream_client_error');
          assert.equal(row.error_class, 'client');
          assert.equal(row.cost_usd, 0, 'a refused call costs nothing');
          assert.equal(row.attempt_count, 1);
          continue;
        }
        if (seen.aborted) {
          // No usage ever came: estimated from what reached the client, and priced.
          assert.equal(row.aborted, true);
          assert.equal(row.usage_estimated, true);
          assert.ok(row.output_tokens > 0 && row.input_tokens > 0);
          const cost =
            (row.input_tokens * price.inputPerMTok + row.output_tokens * price.outputPerMTok) /
            1_000_000;
          assert.ok(row.cost_usd !== null && Math.abs(row.cost_usd - cost) < 1e-12);
          continue;
        }
        assert.equal(row.usage_estimated, false);
        const usage = seen.usage as WireUsage;
        assert.equal(row.input_tokens, usage.prompt_tokens);
        assert.equal(row.cached_input_tokens, usage.prompt_tokens_details?.cached_tokens ?? 0);
        assert.equal(row.output_tokens, usage.completion_tokens);
        assert.equal(row.routed_model, 'emu-model');
        if (row.cache_status === 'hit') {
          assert.equal(row.cost_usd, 0);
          assert.ok(row.cache_saved_usd !== null);
          assert.ok(Math.abs(row.cache_saved_usd - expectedCost(usage)) < 1e-12);
        } else {
          assert.ok(row.cost_usd !== null);
          assert.ok(Math.abs(row.cost_usd - expectedCost(usage)) < 1e-12, row.request_id);
        }
        if (row.streamed) assert.ok(row.ttft_ms !== null && row.ttft_ms > 0);
      }
      const searched = rows.filter((row) => row.feature === 'search');
      assert.equal(searched.length, 2);
      assert.ok(searched.every((row) => row.user_id === 'alice'));
      const fallback = rows.find((row) => row.attempt_count === 2);
      assert.ok(fallback);
      assert.equal(fallback.provider, 'backup');
      assert.equal(fallback.requested_model, 'chain');
      assert.deepEqual(
        fallback.attempts.map((attempt) => [attempt.outcome, attempt.status ?? null]),
        [
          ['error', 503],
          ['success', null],
        ],
      );
      assert.equal(rows.filter((row) => row.cache_status === 'hit').length, 1);
      // The daily rollup holds exactly what the rows hold.
      const sum = (values: Array<string | number>) =>
        values.reduce<number>((a, b) => a + Number(b), 0);
      assert.equal(sum(daily.map((row) => row.requests)), rows.length);
      assert.equal(sum(daily.map((row) => row.fallbacks)), 1);
      assert.equal(sum(daily.map((row) => row.cache_hits)), 1);
      const rowCost = sum(rows.map((row) => row.cost_usd ?? 0));
      assert.ok(Math.abs(sum(daily.map((row) => row.cost_usd)) - rowCost) < 1e-12);
    });
  });
}
