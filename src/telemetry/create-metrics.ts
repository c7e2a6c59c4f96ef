// Prometheus metrics (prom-client), one registry per gateway. Labels are bounded: model aliases and
// deployments come from the config, status codes and cache results from closed sets — never user
// or key ids, never a model name the client typed that the config does not know.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TraceRecord } from './build-trace-record.js';
import type { AttemptEvent, BreakerStateChangedEvent } from './events.js';

export interface MetricsSources {
  /** Requests inside the gateway right now (the server's count). */
  inFlightRequests: () => number;
  /** Trace writer figures for the queue and spool gauges. */
  traceStats?: () => {
    queueDepth: number;
    spooledRows: number;
    spooledBytes: number;
    written: number;
    dropped: number;
    failures: number;
  };
}

export interface GatewayMetrics {
  readonly registry: Registry;
  observeRequest(record: TraceRecord, alias: string | undefined): void;
  attemptStarted(event: AttemptEvent): void;
  attemptFinished(event: AttemptEvent): void;
  breakerChanged(event: BreakerStateChangedEvent): void;
  render(): Promise<string>;
  readonly contentType: string;
}

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const overheadBuckets = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const breakerStates = ['closed', 'open', 'half-open'] as const;

/** A counter mirroring a monotonically growing number read at scrape time. */
function mirrorCounter(
  registry: Registry,
  name: string,
  help: string,
  read: () => number | undefined,
): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      if (value === undefined) return;
      if (value > last) this.inc(value - last);
      last = value;
    },
  });
}

export function createMetrics(sources: MetricsSources): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: 'switchyard_requests_total',
    help: 'Client requests finished, by model alias, provider that served, HTTP status and cache result.',
    labelNames: ['model', 'provider', 'status', 'cache'] as const,
    registers,
  });
  const tokens = new Counter({
    name: 'switchyard_tokens_total',
    help: 'Tokens by type (disjoint: input = uncached input, output = visible output).',
    labelNames: ['model', 'provider', 'type'] as const,
    registers,
  });
  const cost = new Counter({
    name: 'switchyard_cost_usd_total',
    help: 'USD spent upstream (priced calls only; see switchyard_unpriced_requests_total).',
    labelNames: ['model', 'provider'] as const,
    registers,
  });
  const unpriced = new Counter({
    name: 'switchyard_unpriced_requests_total',
    help: 'Requests with usage whose model has no known price (cost unknown).',
    labelNames: ['model', 'provider'] as const,
    registers,
  });
  const cacheSaved = new Counter({
    name: 'switchyard_cache_saved_usd_total',
    help: 'USD the cache saved (what the cached answers cost when they were made).',
    labelNames: ['model'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'switchyard_request_duration_seconds',
    help: 'Request duration, first byte in to last byte out.',
    labelNames: ['model', 'provider', 'streamed'] as const,
    buckets: durationBuckets,
    registers,
  });
  const ttft = new Histogram({
    name: 'switchyard_ttft_seconds',
    help: 'Time to the first byte written to the client.',
    labelNames: ['model', 'provider'] as const,
    buckets: durationBuckets,
    registers,
  });
  const overhead = new Histogram({
    name: 'switchyard_gateway_overhead_seconds',
    help: 'Request duration minus the time spent waiting on upstreams.',
    labelNames: ['model'] as const,
    buckets: overheadBuckets,
    registers,
  });
  const attempts = new Counter({
    name: 'switchyard_upstream_attempts_total',
    help: 'Upstream attempts by deployment and outcome (error kind).',
    labelNames: ['deployment', 'provider', 'outcome'] as const,
    registers,
  });
  const fallbacks = new Counter({
    name: 'switchyard_fallbacks_total',
    help: 'Requests served by a deployment other than the first one tried.',
    labelNames: ['model'] as const,
    registers,
  });
  const cacheResults = new Counter({
    name: 'switchyard_cache_requests_total',
    help: 'Cache lookups by result (hit, semantic, miss, …).',
    labelNames: ['result'] as const,
    registers,
  });
  const refusals = new Counter({
    name: 'switchyard_refusals_total',
    help: 'Requests refused by the gateway: rate_limited (token buckets) or budget_exceeded (USD caps).',
    labelNames: ['reason'] as const,
    registers,
  });
  const rateLimitRefusals = new Counter({
    name: 'switchyard_rate_limit_refusals_total',
    help: 'Requests refused by a token rate limit (429 rate_limited).',
    registers,
  });
  new Gauge({
    name: 'switchyard_inflight_requests',
    help: 'Requests in the gateway right now (the autoscaling signal).',
    registers,
    collect() {
      this.set(sources.inFlightRequests());
    },
  });
  const deploymentInFlight = new Gauge({
    name: 'switchyard_deployment_inflight_requests',
    help: 'Upstream attempts in progress per deployment.',
    labelNames: ['deployment', 'provider'] as const,
    registers,
  });
  const breaker = new Gauge({
    name: 'switchyard_breaker_state',
    help: 'Circuit breaker state per deployment: 1 for the current state, 0 for the others.',
    labelNames: ['deployment', 'provider', 'state'] as const,
    registers,
  });
  const breakerTransitions = new Counter({
    name: 'switchyard_breaker_transitions_total',
    help: 'Circuit breaker state changes per deployment.',
    labelNames: ['deployment', 'provider', 'to'] as const,
    registers,
  });
  const stats = sources.traceStats;
  if (stats) {
    new Gauge({
      name: 'switchyard_trace_queue_depth',
      help: 'Trace rows queued in memory, waiting for the next batch.',
      registers,
      collect() {
        this.set(stats().queueDepth);
      },
    });
    new Gauge({
      name: 'switchyard_trace_spooled_rows',
      help: 'Trace rows in the disk spool, waiting for the database.',
      registers,
      collect() {
        this.set(stats().spooledRows);
      },
    });
    new Gauge({
      name: 'switchyard_trace_spooled_bytes',
      help: 'Size of the disk spool.',
      registers,
      collect() {
        this.set(stats().spooledBytes);
      },
    });
    mirrorCounter(
      registry,
      'switchyard_trace_rows_written_total',
      'Trace rows written to the database directly.',
      () => stats().written,
    );
    mirrorCounter(
      registry,
      'switchyard_trace_rows_dropped_total',
      'Trace rows lost because the memory queue and the disk spool were both full.',
      () => stats().dropped,
    );
    mirrorCounter(
      registry,
      'switchyard_trace_write_failures_total',
      'Failed database connects or inserts (the rows went to the spool).',
      () => stats().failures,
    );
  }

  return {
    registry,
    contentType: registry.contentType,
    observeRequest(record, alias) {
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
    attemptStarted({ deployment }) {
      deploymentInFlight.inc({ deployment: deployment.id, provider: deployment.provider });
    },
    attemptFinished({ deployment }) {
      deploymentInFlight.dec({ deployment: deployment.id, provider: deployment.provider });
    },
    breakerChanged(event) {
      for (const state of breakerStates) {
        breaker.set(
          { deployment: event.deployment, provider: event.provider, state },
          state === event.to ? 1 : 0,
        );
      }
      breakerTransitions.inc({
        deployment: event.deployment,
        provider: event.provider,
        to: event.to,
      });
    },
    render: () => registry.metrics(),
  };
}
