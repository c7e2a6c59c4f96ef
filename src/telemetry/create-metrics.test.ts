// Metrics updated through series resolved once per label combination render exactly what the
// plain prom-client calls (labels hashed on every call) render for the same requests and attempts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { traceRecord } from '../../test/helpers/trace-record.js';
import type { TraceAttempt, TraceRecord } from './build-trace-record.js';
import { createMetrics } from './create-metrics.js';
import type { AttemptEvent } from './events.js';

function record(overrides: Partial<TraceRecord> = {}): TraceRecord {
  return traceRecord({
    time: '2026-11-27T08:00:00.000Z',
    requestId: 'r',
    user: null,
    feature: null,
    deployment: 'fast[0]',
    routeReason: 'alias',
    attempts: [{ deployment: 'fast[0]', provider: 'openai', outcome: 'success', latencyMs: 1 }],
    cacheStatus: 'miss',
    cachedInputTokens: 20,
    cacheWriteTokens: 5,
    outputTokens: 40,
    reasoningTokens: 10,
    totalMs: 12,
    upstreamMs: 10,
    overheadMs: 2,
    costUsd: 0.0001,
    ...overrides,
  });
}

/** The same metrics through prom-client's plain calls (the implementation before the series). */
function referenceMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const durationBuckets = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
  ];
  const overheadBuckets = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
  const counter = (name: string, labelNames: string[]) =>
    new Counter({ name, help: 'h', labelNames, registers });
  const requests = counter('requests', ['model', 'provider', 'status', 'cache']);
  const tokens = counter('tokens', ['model', 'provider', 'type']);
  const cost = counter('cost', ['model', 'provider']);
  const unpriced = counter('unpriced', ['model', 'provider']);
  const cacheSaved = counter('saved', ['model']);
  const histogram = (name: string, labelNames: string[], buckets: number[]) =>
    new Histogram({ name, help: 'h', labelNames, buckets, registers });
  const duration = histogram('duration', ['model', 'provider', 'streamed'], durationBuckets);
  const ttft = histogram('ttft', ['model', 'provider'], durationBuckets);
  const overhead = histogram('overhead', ['model'], overheadBuckets);
  const attempts = counter('attempts', ['deployment', 'provider', 'outcome']);
  const fallbacks = counter('fallbacks', ['model']);
  const cacheResults = counter('cache', ['result']);
  const refusals = counter('refusals', ['reason']);
  const rateLimitRefusals = new Counter({ name: 'rate', help: 'h', registers });
  const inFlight = new Gauge({
    name: 'inflight',
    help: 'h',
    labelNames: ['deployment', 'provider'],
    registers,
  });
  return {
    registry,
    observeRequest(record: TraceRecord, alias: string | undefined) {
      const model = alias ?? 'unknown';
      const provider = record.provider ?? 'none';
      const cache = record.cacheStatus ?? 'none';
      requests.inc({ model, provider, status: String(record.status), cache });
      if (record.cacheStatus !== null) cacheResults.inc({ result: record.cacheStatus });
      const uncached = record.inputTokens - record.cachedInputTokens - record.cacheWriteTokens;
      if (uncached > 0) tokens.inc({ model, provider, type: 'input' }, uncached);
      if (record.cachedInputTokens > 0) {
        tokens.inc({ model, provider, type: 'cache_read' }, record.cachedInputTokens);
      }
      if (record.cacheWriteTokens > 0) {
        tokens.inc({ model, provider, type: 'cache_write' }, record.cacheWriteTokens);
      }
      const text = record.outputTokens - record.reasoningTokens;
      if (text > 0) tokens.inc({ model, provider, type: 'output' }, text);
      if (record.reasoningTokens > 0) {
        tokens.inc({ model, provider, type: 'reasoning' }, record.reasoningTokens);
      }
      if (record.costUsd !== null) {
        if (record.costUsd > 0) cost.inc({ model, provider }, record.costUsd);
      } else if (record.inputTokens + record.outputTokens > 0) {
        unpriced.inc({ model, provider });
      }
      if (record.cacheSavedUsd !== null && record.cacheSavedUsd > 0) {
        cacheSaved.inc({ model }, record.cacheSavedUsd);
      }
      duration.observe(
        { model, provider, streamed: String(record.streamed) },
        record.totalMs / 1000,
      );
      if (record.ttftMs !== null) ttft.observe({ model, provider }, record.ttftMs / 1000);
      overhead.observe({ model }, record.overheadMs / 1000);
      for (const attempt of record.attempts) {
        attempts.inc({
          deployment: attempt.deployment,
          provider: attempt.provider,
          outcome: attempt.outcome === 'success' ? 'success' : (attempt.errorKind ?? 'error'),
        });
      }
      if (record.attempts.length > 1 && record.deployment !== null) fallbacks.inc({ model });
      if (record.errorCode === 'rate_limited') {
        rateLimitRefusals.inc();
        refusals.inc({ reason: 'rate_limited' });
      } else if (record.errorCode === 'budget_exceeded') {
        refusals.inc({ reason: 'budget_exceeded' });
      }
    },
    attemptStarted({ deployment }: AttemptEvent) {
      inFlight.inc({ deployment: deployment.id, provider: deployment.provider });
    },
    attemptFinished({ deployment }: AttemptEvent) {
      inFlight.dec({ deployment: deployment.id, provider: deployment.provider });
    },
  };
}

/** name → the series (labels and values) of each metric, in the order prom-client renders them. */
async function seriesOf(registry: Registry, names: Record<string, string>) {
  const out: Record<string, unknown> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    const name = names[metric.name] ?? metric.name;
    if (!Object.values(names).includes(name)) continue;
    out[name] = metric.values.map((entry) => ({
      labels: entry.labels,
      value: Math.round(entry.value * 1e12) / 1e12,
      metricName: (entry as { metricName?: string }).metricName?.replace(metric.name, name),
    }));
  }
  return out;
}

const names: Record<string, string> = {
  switchyard_requests_total: 'requests',
  switchyard_tokens_total: 'tokens',
  switchyard_cost_usd_total: 'cost',
  switchyard_unpriced_requests_total: 'unpriced',
  switchyard_cache_saved_usd_total: 'saved',
  switchyard_request_duration_seconds: 'duration',
  switchyard_ttft_seconds: 'ttft',
  switchyard_gateway_overhead_seconds: 'overhead',
  switchyard_upstream_attempts_total: 'attempts',
  switchyard_fallbacks_total: 'fallbacks',
  switchyard_cache_requests_total: 'cache',
  switchyard_refusals_total: 'refusals',
  switchyard_rate_limit_refusals_total: 'rate',
  switchyard_deployment_inflight_requests: 'inflight',
};

describe('createMetrics', () => {
  it('renders what plain prom-client calls render for the same traffic', async () => {
    const metrics = createMetrics({ inFlightRequests: () => 0 });
    const reference = referenceMetrics();
    const failed: TraceAttempt = {
      deployment: 'fast[0]',
      provider: 'openai',
      outcome: 'error',
      errorKind: 'timeout',
      latencyMs: 5,
    };
    const fallback: TraceAttempt = {
      deployment: 'fast[1]',
      provider: 'anthropic',
      outcome: 'success',
      latencyMs: 3,
    };
    const traffic: Array<[TraceRecord, string | undefined]> = [
      [record(), 'fast'],
      [record({ streamed: true, ttftMs: 0.7, totalMs: 40_000 }), 'fast'],
      [record({ totalMs: 500_000, overheadMs: 0.1 }), 'fast'],
      [
        record({ cacheStatus: 'hit', costUsd: 0, cacheSavedUsd: 0.002, provider: 'openai' }),
        'fast',
      ],
      [record({ costUsd: null }), 'fast'],
      [
        record({
          attempts: [failed, fallback],
          provider: 'anthropic',
          deployment: 'fast[1]',
          cacheStatus: null,
        }),
        'fast',
      ],
      [
        record({
          status: 429,
          errorCode: 'rate_limited',
          attempts: [],
          provider: null,
          deployment: null,
          inputTokens: 0,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          outputTokens: 0,
          reasoningTokens: 0,
          costUsd: 0,
        }),
        'fast',
      ],
      [record({ status: 402, errorCode: 'budget_exceeded', attempts: [] }), 'smart'],
      [record({ status: 404, provider: null, attempts: [] }), undefined],
      [record({ status: 502, attempts: [failed], costUsd: 0, outputTokens: 0 }), 'fast'],
    ];
    const deployment = { id: 'fast[0]', provider: 'openai', model: 'gpt-4o-mini' };
    const attempt = { context: {}, deployment } as unknown as AttemptEvent;
    // Several rounds: the first creates each series through prom-client, the later ones add to it.
    for (let round = 0; round < 3; round++) {
      for (const [trace, alias] of traffic) {
        metrics.observeRequest(trace, alias);
        reference.observeRequest(trace, alias);
      }
      metrics.attemptStarted(attempt);
      reference.attemptStarted(attempt);
      metrics.attemptStarted(attempt);
      reference.attemptStarted(attempt);
      metrics.attemptFinished(attempt);
      reference.attemptFinished(attempt);
      assert.deepEqual(
        await seriesOf(metrics.registry, names),
        await seriesOf(reference.registry, names),
      );
    }
    const text = await metrics.render();
    assert.match(
      text,
      /switchyard_deployment_inflight_requests\{deployment="fast\[0\]",provider="openai"\} 3/,
    );
    assert.match(
      text,
      /switchyard_requests_total\{model="fast",provider="openai",status="200",cache="miss"\} 12/,
    );
  });

  it('refuses what prom-client refuses (a non-finite value), as before', () => {
    const metrics = createMetrics({ inFlightRequests: () => 0 });
    metrics.observeRequest(record(), 'fast');
    assert.throws(() => metrics.observeRequest(record({ totalMs: Number.NaN }), 'fast'), TypeError);
    assert.throws(
      () => metrics.observeRequest(record({ costUsd: Number.POSITIVE_INFINITY }), 'fast'),
      TypeError,
    );
  });
});
