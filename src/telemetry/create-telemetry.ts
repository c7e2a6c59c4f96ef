// Observability of one gateway, wired by events: the telemetry stage (first in the pipeline) claims
// each request and prices non-stream answers in a response header; the request-finished event
// becomes one trace record, which feeds the metrics, the trace store, the spans and the log line.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { SwitchyardConfig } from '../config/config-schema.js';
import type { RequestContext } from '../pipeline/request-context.js';
import type { Stage } from '../pipeline/stage.js';
import { createPriceTable, setActivePriceTable, type PriceTable } from '../pricing/price-table.js';
import { dashboardMigrations } from '../reports/dashboard-migrations.js';
import { createTraceStore } from '../trace-store/create-trace-store.js';
import type { TraceWriter } from '../trace-store/create-trace-writer.js';
import {
  buildTraceRecord,
  costOfContext,
  isCacheHit,
  readCacheStatus,
} from './build-trace-record.js';
import { createMetrics, type GatewayMetrics } from './create-metrics.js';
import { createSpanRecorder, type SpanRecorder } from './create-span-recorder.js';
import {
  attemptFinishedChannel,
  attemptStartedChannel,
  subscribeRequestFinished,
  type AttemptEvent,
  type BreakerStateChangedEvent,
} from './events.js';
import { createRequestLogger } from './log-requests.js';
import { createApiSpanRecorder } from './record-api-spans.js';

export interface Telemetry {
  /** Runs first in the pipeline: claims the request for this gateway, adds the cost header. */
  readonly stage: Stage;
  readonly prices: PriceTable;
  readonly metrics: GatewayMetrics | undefined;
  readonly traceWriter: TraceWriter | undefined;
  /** Opens the trace database (migrations) and replays a spool left by an earlier run. */
  start(): void;
  /** Flushes traces (to the database or the spool) and spans; call after the server drained. */
  close(): Promise<void>;
}

export interface TelemetryOptions {
  config: SwitchyardConfig;
  logger: Logger;
  /** Requests in the gateway right now (the server's count), for the in-flight gauge. */
  inFlightRequests: () => number;
}

/** Formats USD for a header without exponent notation: 0.000105 → "0.000105". */
export function formatUsd(value: number): string {
  // toFixed(10), then trailing zeros and a trailing point cut (a loop: no regex per call).
  const fixed = value.toFixed(10);
  let end = fixed.length;
  while (end > 0 && fixed.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (end > 0 && fixed.charCodeAt(end - 1) === 46 /* . */) end--;
  return end === fixed.length ? fixed : fixed.slice(0, end);
}

/** Marks the requests a gateway's telemetry stage claimed (see `owns` in createTelemetry). */
const ownerKey = Symbol('switchyard.telemetry.owner');
type OwnedContext = RequestContext & { [ownerKey]?: object };

// The breaker channel is published by src/resilience; subscribing by name keeps this module
// independent of that file.
const breakerChannelName = 'switchyard:breaker:state';

/** gen_ai.provider.name values of the semantic conventions; other types report their config name. */
const genAiProviderNames: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  bedrock: 'aws.bedrock',
};

export function createTelemetry(options: TelemetryOptions): Telemetry {
  const { config, logger } = options;
  const prices = createPriceTable({
    models: config.pricing.models,
    selfHosted: config.pricing.selfHosted,
  });
  // priceFor()/costOf() without a table argument (limits, caps) use the configured prices.
  setActivePriceTable(prices);

  // Diagnostics channels are process-wide; several gateways in one process (tests) must each see
  // only their own requests: the stage marks each context with this gateway's token (a symbol-keyed
  // property: cheaper per request than a WeakSet entry, invisible to JSON and Object.keys).
  const token = {};
  const owns = (context: RequestContext) => (context as OwnedContext)[ownerKey] === token;
  const responseText = new WeakMap<RequestContext, string>();
  const content = config.traces.content;
  const captureContent = config.traces.enabled && content.enabled;

  const traceWriter = config.traces.enabled
    ? createTraceStore({
        database: config.database,
        traces: config.traces,
        // The dashboard's rollups are fed by a trigger from the first batch on.
        extraMigrations: dashboardMigrations,
        onError: (error, what) =>
          logger.warn({ err: error, what }, 'trace store unavailable; rows go to the spool'),
      })
    : undefined;
  const metrics = config.metrics.enabled
    ? createMetrics({
        inFlightRequests: options.inFlightRequests,
        ...(traceWriter ? { traceStats: () => traceWriter.stats() } : {}),
      })
    : undefined;
  const providerSystems = Object.fromEntries(
    Object.entries(config.providers).map(([name, provider]) => [
      name,
      genAiProviderNames[provider.type] ?? name,
    ]),
  );
  const spans: SpanRecorder | undefined = config.otel.endpoint
    ? createSpanRecorder({
        ...config.otel,
        endpoint: config.otel.endpoint,
        logger,
        providerSystems,
      })
    : undefined;
  const apiSpans = config.otel.globalTracer
    ? createApiSpanRecorder({ providerSystems, sampleRatio: config.otel.sampleRatio })
    : undefined;
  const logRequest = createRequestLogger(logger);

  const unsubscribers: Array<() => void> = [];
  unsubscribers.push(
    subscribeRequestFinished((event) => {
      if (!owns(event.context)) return;
      // A throwing diagnostics_channel subscriber would surface as an uncaught exception: contain it.
      try {
        const text = responseText.get(event.context);
        const record = buildTraceRecord(event, {
          prices,
          ...(captureContent ? { contentMaxBytes: content.maxBytes } : {}),
          ...(text !== undefined ? { responseText: text } : {}),
        });
        traceWriter?.enqueue(record);
        metrics?.observeRequest(record, event.context.route?.alias);
        spans?.record(event, record);
        apiSpans?.record(event, record);
        logRequest(record, event);
      } catch (error) {
        logger.error({ err: error, requestId: event.context.requestId }, 'telemetry failed');
      }
    }),
  );
  if (metrics) {
    const started = (message: unknown) => {
      const event = message as AttemptEvent;
      if (owns(event.context)) metrics.attemptStarted(event);
    };
    const finished = (message: unknown) => {
      const event = message as AttemptEvent;
      if (owns(event.context)) metrics.attemptFinished(event);
    };
    const breaker = (message: unknown) =>
      metrics.breakerChanged(message as BreakerStateChangedEvent);
    attemptStartedChannel.subscribe(started);
    attemptFinishedChannel.subscribe(finished);
    diagnosticsChannel.subscribe(breakerChannelName, breaker);
    unsubscribers.push(
      () => attemptStartedChannel.unsubscribe(started),
      () => attemptFinishedChannel.unsubscribe(finished),
      () => diagnosticsChannel.unsubscribe(breakerChannelName, breaker),
    );
  }

  // Not async: it only wraps the sink and hands on next()'s promise (no promise of its own).
  const stage: Stage = function telemetry(context, next) {
    (context as OwnedContext)[ownerKey] = token;
    const sink = context.sink;
    const sendJson = sink.sendJson.bind(sink);
    // Non-stream answers: the usage is known before the headers go out, so the cost can travel
    // with them. (A stream's headers leave before its usage exists: its cost is in the trace.)
    sink.sendJson = function sendJsonWithCost(status, body, headers) {
      if (status < 400) {
        // A cache hit spent nothing upstream.
        const cost = isCacheHit(readCacheStatus(context))
          ? 0
          : context.usage
            ? costOfContext(context, context.usage, prices)
            : null;
        // Set on the sink (no copy of the headers with one more key, ~1.4 µs on Node 20).
        if (cost !== null) sink.setHeader('x-switchyard-cost-usd', formatUsd(cost));
      }
      if (captureContent)
        responseText.set(context, JSON.stringify(body).slice(0, content.maxBytes));
      sendJson(status, body, headers);
    };
    if (captureContent) {
      const write = sink.write.bind(sink);
      const end = sink.end.bind(sink);
      let captured = '';
      const capture = (text: string) => {
        if (captured.length < content.maxBytes) {
          captured += text.slice(0, content.maxBytes - captured.length);
          responseText.set(context, captured);
        }
      };
      sink.write = function writeCaptured(text) {
        capture(text);
        write(text);
      };
      sink.end = function endCaptured(text) {
        if (text !== undefined) capture(text);
        end(text);
      };
    }
    return next();
  };

  return {
    stage,
    prices,
    metrics,
    traceWriter,
    start() {
      traceWriter?.start();
    },
    async close() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      await Promise.all([traceWriter?.close(), spans?.close()]);
    },
  };
}
