// Prometheus metrics (prom-client), one registry per gateway. Labels are bounded: model aliases and
// deployments come from the config, status codes and cache results from closed sets — never user
// or key ids, never a model name the client typed that the config does not know.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TraceRecord } from './build-trace-record.js';
import type { AttemptEvent, BreakerStateChangedEvent } from './events.js';
import { gcKinds, gcPauseTotals, type GcKind } from './gc-pauses.js';
import { eventLoopStallTotals, stallThresholdMs } from './event-loop-stalls.js';

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

/**
 * A counter mirroring a monotonically growing number read at scrape time; with `by`, one series
 * per value of that label, `read` called with the value.
 */
function mirrorCounter(
  registry: Registry,
  name: string,
  help: string,
  read: (labelValue?: string) => number | undefined,
  by?: { label: string; values: readonly string[] },
): void {
  const last = new Map<string | undefined, number>();
  new Counter({
    name,
    help,
    labelNames: by ? [by.label] : [],
    registers: [registry],
    collect() {
      for (const labelValue of by ? by.values : [undefined]) {
        const value = read(labelValue);
        if (value === undefined) continue;
        const seen = last.get(labelValue) ?? 0;
        // A labelled series is shown from the first scrape, at 0 until it moves.
        if (by) this.inc({ [by.label]: labelValue! }, Math.max(0, value - seen));
        else if (value > seen) this.inc(value - seen);
        last.set(labelValue, value);
      }
    },
  });
}

/** Counters mirroring the process's GC pause totals by kind (gc-pauses.ts), read at scrape time. */
function gcPauseCounters(registry: Registry): void {
  const totals = gcPauseTotals();
  const byKind = { label: 'kind', values: gcKinds };
  mirrorCounter(
    registry,
    'switchyard_gc_pauses_total',
    'Garbage-collection pauses of the gateway process (the event loop held), by kind (minor: scavenge; major: mark-compact; incremental: a marking step; weakcb: weak callbacks).',
    (kind) => totals.get(kind as GcKind)?.count,
    byKind,
  );
  mirrorCounter(
    registry,
    'switchyard_gc_pause_seconds_total',
    'Time the gateway process spent in garbage-collection pauses, by kind.',
    (kind) => totals.get(kind as GcKind)?.seconds,
    byKind,
  );
}

/** Counters mirroring the process's event-loop stalls (event-loop-stalls.ts), read at scrape time. */
function eventLoopStallCounters(registry: Registry): void {
  const totals = eventLoopStallTotals();
  mirrorCounter(
    registry,
    'switchyard_event_loop_stalls_total',
    `Spells of ${stallThresholdMs} ms or more in which the gateway process's event loop did not turn (every request waited): long GC pauses, synchronous work, or the process not being run by the machine.`,
    () => totals.count,
  );
  mirrorCounter(
    registry,
    'switchyard_event_loop_stall_seconds_total',
    'Time the gateway process spent in event-loop stalls.',
    () => totals.seconds,
  );
}

type Labels = Record<string, string>;

/** What prom-client 15 stores per series (`metric.hashMap[hash]`), read by its get(). */
interface StoredValue {
  labels: Labels;
  value: number;
}
interface StoredHistogram {
  labels: Labels;
  sum: number;
  count: number;
  bucketValues: Record<string, number>;
}
type Stored = Record<string, unknown>;
const storeOf = (metric: object) => (metric as { hashMap?: Record<string, Stored> }).hashMap;

/** The entry prom-client keeps for these labels (found once, after a first public update). */
function findStored(metric: object, labels: Labels): Stored | undefined {
  const store = storeOf(metric);
  if (store === undefined) return undefined;
  const names = Object.keys(labels);
  for (const key in store) {
    const entry = store[key];
    const stored = entry?.labels as Labels | undefined;
    if (
      stored !== undefined &&
      Object.keys(stored).length === names.length &&
      names.every((name) => stored[name] === labels[name])
    ) {
      return entry;
    }
  }
  return undefined;
}

/**
 * One series of a counter or gauge. Its first update goes through prom-client's public API (which
 * validates the labels and creates the series); later ones add to the value prom-client stored for
 * it, which is what its get() (and so /metrics) reads. Anything unusual — a value prom-client
 * would refuse, a reset registry, an entry of another shape (a prom-client upgrade) — takes the
 * public API again, so the numbers and the errors are prom-client's own.
 */
class ValueSeries {
  private entry: StoredValue | undefined;
  private store: object | undefined;
  private readonly counter: boolean;

  constructor(
    private readonly metric: Counter<string> | Gauge<string>,
    readonly labels: Labels,
  ) {
    this.counter = metric instanceof Counter;
  }

  inc(value: number): void {
    const entry = this.entry;
    if (
      entry !== undefined &&
      this.store === storeOf(this.metric) &&
      Number.isFinite(value) &&
      (value > 0 || !this.counter)
    ) {
      entry.value += value;
      return;
    }
    this.metric.inc(this.labels, value);
    const found = findStored(this.metric, this.labels);
    const valid = found !== undefined && typeof found.value === 'number';
    this.entry = valid ? (found as unknown as StoredValue) : undefined;
    this.store = valid ? storeOf(this.metric) : undefined;
  }
}

/** One series of a histogram, updated the way prom-client's observe() updates it (see above). */
class HistogramSeries {
  private entry: StoredHistogram | undefined;
  private store: object | undefined;
  private readonly bounds: readonly number[];
  /** The bucket keys as prom-client stores them (the bounds as strings), built once. */
  private readonly boundKeys: readonly string[];

  constructor(
    private readonly metric: Histogram<string>,
    readonly labels: Labels,
  ) {
    this.bounds = (metric as unknown as { upperBounds?: readonly number[] }).upperBounds ?? [];
    this.boundKeys = this.bounds.map(String);
  }

  observe(value: number): void {
    const entry = this.entry;
    if (entry !== undefined && this.store === storeOf(this.metric) && Number.isFinite(value)) {
      entry.sum += value;
      entry.count += 1;
      const bounds = this.bounds;
      for (let index = 0; index < bounds.length; index++) {
        if (value <= bounds[index]!) {
          entry.bucketValues[this.boundKeys[index]!]! += 1;
          break;
        }
      }
      return;
    }
    this.metric.observe(this.labels, value);
    const found = findStored(this.metric, this.labels);
    const buckets = found?.bucketValues as Record<string, unknown> | undefined;
    const valid =
      found !== undefined &&
      typeof found.sum === 'number' &&
      typeof found.count === 'number' &&
      buckets !== undefined &&
      this.bounds.length > 0 &&
      this.boundKeys.every((key) => typeof buckets[key] === 'number');
    this.entry = valid ? (found as unknown as StoredHistogram) : undefined;
    this.store = valid ? storeOf(this.metric) : undefined;
  }
}

/** Series by one label value, created on first use (no key string is built per call). */
class SeriesIndex<K, T> {
  private readonly map = new Map<K, T>();
  constructor(private readonly create: (key: K) => T) {}
  get(key: K): T {
    let found = this.map.get(key);
    if (found === undefined) {
      found = this.create(key);
      this.map.set(key, found);
    }
    return found;
  }
}

interface ModelSeries {
  requests: SeriesIndex<number, SeriesIndex<string, ValueSeries>>;
  input: ValueSeries;
  cacheRead: ValueSeries;
  cacheWrite: ValueSeries;
  output: ValueSeries;
  reasoning: ValueSeries;
  cost: ValueSeries;
  unpriced: ValueSeries;
  cacheSaved: ValueSeries;
  duration: HistogramSeries;
  durationStreamed: HistogramSeries;
  ttft: HistogramSeries;
  overhead: HistogramSeries;
  fallbacks: ValueSeries;
}

export function createMetrics(sources: MetricsSources): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  gcPauseCounters(registry);
  eventLoopStallCounters(registry);
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

  // Per-request updates go to series resolved once per label combination (see ValueSeries):
  // prom-client would otherwise validate the labels and hash them into a string key on every call.
  const cacheResultSeries = new SeriesIndex(
    (result: string) => new ValueSeries(cacheResults, { result }),
  );
  const rateLimited = new ValueSeries(refusals, { reason: 'rate_limited' });
  const budgetExceeded = new ValueSeries(refusals, { reason: 'budget_exceeded' });
  const attemptSeries = new SeriesIndex((deployment: string) => {
    return new SeriesIndex((provider: string) => {
      return new SeriesIndex(
        (outcome: string) => new ValueSeries(attempts, { deployment, provider, outcome }),
      );
    });
  });
  const inFlightSeries = new SeriesIndex((deployment: string) => {
    return new SeriesIndex(
      (provider: string) => new ValueSeries(deploymentInFlight, { deployment, provider }),
    );
  });
  // Everything labelled by model and provider, per combination (both come from the config).
  const modelSeries = new SeriesIndex((model: string) => {
    return new SeriesIndex((provider: string): ModelSeries => {
      const token = (type: string) => new ValueSeries(tokens, { model, provider, type });
      return {
        requests: new SeriesIndex((status: number) => {
          return new SeriesIndex(
            (cache: string) =>
              new ValueSeries(requests, { model, provider, status: String(status), cache }),
          );
        }),
        input: token('input'),
        cacheRead: token('cache_read'),
        cacheWrite: token('cache_write'),
        output: token('output'),
        reasoning: token('reasoning'),
        cost: new ValueSeries(cost, { model, provider }),
        unpriced: new ValueSeries(unpriced, { model, provider }),
        cacheSaved: new ValueSeries(cacheSaved, { model }),
        duration: new HistogramSeries(duration, { model, provider, streamed: 'false' }),
        durationStreamed: new HistogramSeries(duration, { model, provider, streamed: 'true' }),
        ttft: new HistogramSeries(ttft, { model, provider }),
        overhead: new HistogramSeries(overhead, { model }),
        fallbacks: new ValueSeries(fallbacks, { model }),
      };
    });
  });

  return {
    registry,
    contentType: registry.contentType,
    observeRequest(record, alias) {
      const model = alias ?? 'unknown';
      const provider = record.provider ?? 'none';
      const bundle = modelSeries.get(model).get(provider);
      bundle.requests
        .get(record.status)
        .get(record.cacheStatus ?? 'none')
        .inc(1);
      if (record.cacheStatus !== null) cacheResultSeries.get(record.cacheStatus).inc(1);
      const uncached = record.inputTokens - record.cachedInputTokens - record.cacheWriteTokens;
      if (uncached > 0) bundle.input.inc(uncached);
      if (record.cachedInputTokens > 0) bundle.cacheRead.inc(record.cachedInputTokens);
      if (record.cacheWriteTokens > 0) bundle.cacheWrite.inc(record.cacheWriteTokens);
      const text = record.outputTokens - record.reasoningTokens;
      if (text > 0) bundle.output.inc(text);
      if (record.reasoningTokens > 0) bundle.reasoning.inc(record.reasoningTokens);
      if (record.costUsd !== null) {
        if (record.costUsd > 0) bundle.cost.inc(record.costUsd);
      } else if (record.inputTokens + record.outputTokens > 0) {
        bundle.unpriced.inc(1);
      }
      if (record.cacheSavedUsd !== null && record.cacheSavedUsd > 0) {
        bundle.cacheSaved.inc(record.cacheSavedUsd);
      }
      (record.streamed ? bundle.durationStreamed : bundle.duration).observe(record.totalMs / 1000);
      if (record.ttftMs !== null) bundle.ttft.observe(record.ttftMs / 1000);
      bundle.overhead.observe(record.overheadMs / 1000);
      for (const attempt of record.attempts) {
        attemptSeries
          .get(attempt.deployment)
          .get(attempt.provider)
          .get(attempt.outcome === 'success' ? 'success' : (attempt.errorKind ?? 'error'))
          .inc(1);
      }
      if (record.attempts.length > 1 && record.deployment !== null) bundle.fallbacks.inc(1);
      if (record.errorCode === 'rate_limited') {
        rateLimitRefusals.inc();
        rateLimited.inc(1);
      } else if (record.errorCode === 'budget_exceeded') {
        budgetExceeded.inc(1);
      }
    },
    attemptStarted({ deployment }) {
      inFlightSeries.get(deployment.id).get(deployment.provider).inc(1);
    },
    attemptFinished({ deployment }) {
      inFlightSeries.get(deployment.id).get(deployment.provider).inc(-1);
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
