// /metrics parses as Prometheus text with bounded labels, the in-flight gauges go back to 0 after
// cancelled streams, and neither the logs nor the metrics contain a key.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

const upstreamKey = 'sk-upstream-SECRET-7f3a9c';
const clientKey = 'sk-client-SECRET-41be20';
const userId = 'user-d9e8f7-private';

describe('/metrics and redacted logs', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;

  async function scrape(): Promise<{ text: string; families: PrometheusFamily[] }> {
    const response = await fetch(`${gateway.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    return { text, families: parsePrometheusTextFormat(text) };
  }

  function family(families: PrometheusFamily[], name: string): PrometheusFamily {
    const found = families.find((entry) => entry.name === name);
    assert.ok(found, `metric ${name}`);
    return found;
  }

  const gauge = (families: PrometheusFamily[], name: string) =>
    family(families, name).metrics.reduce((sum, sample) => sum + Number(sample.value ?? 0), 0);

  before(async () => {
    emulator = await startEmulator({ kind: 'openai', apiKey: upstreamKey });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1`, apiKey: upstreamKey } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        { pricing: { models: { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 } } } },
      ),
    );
    client = new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: clientKey,
      maxRetries: 0,
      defaultHeaders: { 'x-switchyard-user': userId, 'x-switchyard-feature': 'chat' },
    });
  });

  after(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  it('counts requests, tokens, cost and latency with bounded labels', async () => {
    const answer = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'count me' }],
    });
    const stream = await client.chat.completions.create({
      model: 'fast',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me' }],
    });
    for await (const _chunk of stream) void _chunk;
    // An unknown alias: the model label must not take the client's string.
    await client.chat.completions
      .create({ model: 'no-such-model-e1c2', messages: [{ role: 'user', content: 'x' }] })
      .catch(() => undefined);
    const { text, families } = await scrape();
    const requests = family(families, 'switchyard_requests_total').metrics;
    const ok = requests.find(
      (sample) => sample.labels?.model === 'fast' && sample.labels.status === '200',
    );
    assert.equal(ok?.value, '2');
    assert.equal(ok?.labels?.provider, 'upstream');
    assert.ok(requests.some((s) => s.labels?.model === 'unknown' && s.labels.status === '404'));
    const inputTokens = family(families, 'switchyard_tokens_total').metrics.find(
      (sample) => sample.labels?.type === 'input',
    );
    assert.ok(Number(inputTokens?.value) >= (answer.usage?.prompt_tokens ?? 1));
    assert.ok(Number(family(families, 'switchyard_cost_usd_total').metrics[0]?.value) > 0);
    const duration = family(families, 'switchyard_request_duration_seconds');
    assert.equal(duration.type, 'HISTOGRAM');
    family(families, 'switchyard_ttft_seconds');
    family(families, 'switchyard_gateway_overhead_seconds');
    assert.ok(!text.includes(userId), 'no user id as a label');
    assert.ok(!text.includes('no-such-model-e1c2'), 'no client-typed model as a label');
    assert.ok(!text.includes(clientKey) && !text.includes(upstreamKey));
  });

  it('in-flight gauges rise during streams and return to 0 after the clients cancel', async () => {
    emulator.setFaults({ chunkDelayMs: 300, path: '/v1/chat/completions' });
    const controllers = Array.from({ length: 4 }, () => new AbortController());
    const readers = controllers.map(async (controller) => {
      try {
        // The abort may land before the response headers (the gauge counts from the attempt's
        // start), so the create() call itself is inside the try.
        const stream = await client.chat.completions.create(
          { model: 'fast', stream: true, messages: [{ role: 'user', content: 'a long story' }] },
          { signal: controller.signal },
        );
        for await (const _chunk of stream) void _chunk;
      } catch {
        // aborted
      }
    });
    let families = (await scrape()).families;
    for (let tries = 0; tries < 100; tries += 1) {
      if (gauge(families, 'switchyard_deployment_inflight_requests') === 4) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
      families = (await scrape()).families;
    }
    assert.equal(gauge(families, 'switchyard_deployment_inflight_requests'), 4);
    assert.equal(gauge(families, 'switchyard_inflight_requests'), 4);
    for (const controller of controllers) controller.abort();
    await Promise.all(readers);
    for (let tries = 0; tries < 200; tries += 1) {
      families = (await scrape()).families;
      if (gauge(families, 'switchyard_deployment_inflight_requests') === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(gauge(families, 'switchyard_deployment_inflight_requests'), 0);
    assert.equal(gauge(families, 'switchyard_inflight_requests'), 0);
    emulator.clearFaults();
  });

  it('logs one line per request with no key in it', async () => {
    emulator.setFaults({ status: 401, count: 1, path: '/v1/chat/completions' });
    await client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'rejected upstream' }] })
      .catch(() => undefined);
    const requestLines = gateway.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request');
    assert.ok(requestLines.length >= 8, String(requestLines.length));
    assert.ok(requestLines.some((line) => typeof line.costUsd === 'number'));
    assert.ok(requestLines.some((line) => line.status === 401 || line.error !== undefined));
    const all = gateway.logs.join('\n');
    assert.ok(!all.includes(upstreamKey), 'upstream key in logs');
    assert.ok(!all.includes(clientKey), 'client key in logs');
  });
});
