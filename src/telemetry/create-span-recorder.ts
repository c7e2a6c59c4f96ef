// OpenTelemetry spans, one per request (SERVER) and one per upstream attempt (CLIENT), with the
// GenAI semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/),
// exported as OTLP/HTTP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding).
// Spans are built from the finished request's record, so the request path does no span work at all;
// nothing is created unless `otel.endpoint` is configured. An incoming W3C `traceparent` makes the
// request span a child of the caller's span.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { TraceRecord } from './build-trace-record.js';
import type { RequestFinishedEvent } from './events.js';

export interface SpanRecorderOptions {
  endpoint: string;
  headers: Record<string, string>;
  serviceName: string;
  sampleRatio: number;
  logger: Logger;
  /** Provider name → gen_ai.provider.name (e.g. 'openai', 'anthropic', 'aws.bedrock'). */
  providerSystems?: Record<string, string>;
  flushIntervalMs?: number;
  maxQueuedSpans?: number;
}

export interface SpanRecorder {
  record(event: RequestFinishedEvent, record: TraceRecord): void;
  flush(): Promise<void>;
  stats(): { exported: number; dropped: number; failed: number };
  close(): Promise<void>;
}

type AttributeValue = string | number | boolean | string[];

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code: number; message?: string };
}

const spanKindServer = 2;
const spanKindClient = 3;
const statusOk = 1;
const statusError = 2;

function encodeValue(value: AttributeValue): Record<string, unknown> {
  if (Array.isArray(value))
    return { arrayValue: { values: value.map((item) => ({ stringValue: item })) } };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  }
  return { stringValue: value };
}

function attributes(map: Record<string, AttributeValue | null | undefined>): OtlpAttribute[] {
  const list: OtlpAttribute[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (value === null || value === undefined) continue;
    list.push({ key, value: encodeValue(value) });
  }
  return list;
}

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

function parentFrom(headers: RequestFinishedEvent['context']['headers']) {
  const header = headers.traceparent;
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? traceparentPattern.exec(value.trim().toLowerCase()) : null;
  if (!match || /^0+$/.test(match[1] ?? '') || /^0+$/.test(match[2] ?? '')) return undefined;
  return { traceId: match[1] as string, spanId: match[2] as string };
}

/** A span as the GenAI conventions describe it, before any exporter gives it ids. */
export interface SpanData {
  name: string;
  kind: 'server' | 'client';
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  /** Set when the span failed (status ERROR with this message). */
  error?: string;
}

function defined(map: Record<string, AttributeValue | null | undefined>) {
  const result: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(map)) {
    if (value !== null && value !== undefined) result[key] = value;
  }
  return result;
}

/** The request span and one span per attempt (in order), from the finished request's record. */
export function describeSpans(
  event: RequestFinishedEvent,
  record: TraceRecord,
  providerSystems: Record<string, string> = {},
): { request: SpanData; attempts: SpanData[] } {
  const { context } = event;
  const operation = context.operation === 'embeddings' ? 'embeddings' : 'chat';
  const system = (provider: string | null) =>
    provider === null ? undefined : (providerSystems[provider] ?? provider);
  const startMs = context.startedAt;
  const failed = record.errorCode !== null || record.status >= 500;
  const request: SpanData = {
    name: `${operation} ${record.requestedModel ?? 'unknown'}`,
    kind: 'server',
    startMs,
    endMs: startMs + record.totalMs,
    attributes: defined({
      'gen_ai.operation.name': operation,
      'gen_ai.request.model': record.requestedModel,
      'gen_ai.response.model': record.routedModel,
      'gen_ai.provider.name': system(record.provider),
      'gen_ai.usage.input_tokens': context.usage ? record.inputTokens : undefined,
      'gen_ai.usage.output_tokens': context.usage ? record.outputTokens : undefined,
      'gen_ai.response.finish_reasons': record.finishReason ? [record.finishReason] : undefined,
      'gen_ai.request.max_tokens': context.chatRequest?.maxOutputTokens,
      'gen_ai.request.temperature': context.chatRequest?.temperature,
      'http.response.status_code': record.status,
      'error.type': record.errorCode ?? undefined,
      'switchyard.request_id': record.requestId,
      'switchyard.deployment': record.deployment,
      'switchyard.route.reason': record.routeReason,
      'switchyard.attempts': record.attempts.length,
      'switchyard.cache': record.cacheStatus,
      'switchyard.streamed': record.streamed,
      'switchyard.ttft_ms': record.ttftMs,
      'switchyard.overhead_ms': record.overheadMs,
      'switchyard.cost_usd': record.costUsd,
      'switchyard.usage.cache_read_tokens': context.usage ? record.cachedInputTokens : undefined,
      'switchyard.usage.cache_write_tokens': context.usage ? record.cacheWriteTokens : undefined,
      'switchyard.usage.reasoning_tokens': context.usage ? record.reasoningTokens : undefined,
      'switchyard.feature': record.feature,
    }),
    ...(failed ? { error: record.errorCode ?? `HTTP ${record.status}` } : {}),
  };
  const attempts = context.attempts.map((attempt, index): SpanData => {
    const traced = record.attempts[index];
    const model = context.route?.deployments.find((d) => d.id === attempt.deployment)?.model;
    const served = attempt.outcome === 'success';
    return {
      name: `${operation} ${model ?? attempt.deployment}`,
      kind: 'client',
      startMs: attempt.startedAt,
      endMs: attempt.startedAt + attempt.durationMs,
      attributes: defined({
        'gen_ai.operation.name': operation,
        'gen_ai.request.model': model,
        'gen_ai.provider.name': system(attempt.provider),
        'gen_ai.response.model': served ? model : undefined,
        'gen_ai.usage.input_tokens': served && context.usage ? record.inputTokens : undefined,
        'gen_ai.usage.output_tokens': served && context.usage ? record.outputTokens : undefined,
        'error.type': attempt.errorKind,
        'http.response.status_code': traced?.status,
        'switchyard.deployment': attempt.deployment,
        'switchyard.attempt': index + 1,
      }),
      ...(served ? {} : { error: attempt.errorKind ?? 'error' }),
    };
  });
  return { request, attempts };
}

function toOtlp(
  span: SpanData,
  ids: { traceId: string; spanId: string; parentSpanId?: string | undefined },
): OtlpSpan {
  return {
    traceId: ids.traceId,
    spanId: ids.spanId,
    ...(ids.parentSpanId ? { parentSpanId: ids.parentSpanId } : {}),
    name: span.name,
    kind: span.kind === 'server' ? spanKindServer : spanKindClient,
    startTimeUnixNano: nanos(span.startMs),
    endTimeUnixNano: nanos(span.endMs),
    attributes: attributes(span.attributes),
    status:
      span.error !== undefined ? { code: statusError, message: span.error } : { code: statusOk },
  };
}

/** OTLP JSON spans with ids; an incoming traceparent parents the request span. */
export function buildSpans(
  event: RequestFinishedEvent,
  record: TraceRecord,
  providerSystems: Record<string, string> = {},
): OtlpSpan[] {
  const parent = parentFrom(event.context.headers);
  const traceId = parent?.traceId ?? randomBytes(16).toString('hex');
  const requestSpanId = randomBytes(8).toString('hex');
  const { request, attempts } = describeSpans(event, record, providerSystems);
  return [
    toOtlp(request, { traceId, spanId: requestSpanId, parentSpanId: parent?.spanId }),
    ...attempts.map((attempt) =>
      toOtlp(attempt, {
        traceId,
        spanId: randomBytes(8).toString('hex'),
        parentSpanId: requestSpanId,
      }),
    ),
  ];
}

export function createSpanRecorder(options: SpanRecorderOptions): SpanRecorder {
  const maxQueued = options.maxQueuedSpans ?? 10_000;
  let queue: OtlpSpan[] = [];
  const counters = { exported: 0, dropped: 0, failed: 0 };
  let sending: Promise<void> | undefined;
  const resource = {
    attributes: attributes({
      'service.name': options.serviceName,
      'telemetry.sdk.name': 'switchyard',
    }),
  };

  async function send(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, 512);
      const body = JSON.stringify({
        resourceSpans: [
          { resource, scopeSpans: [{ scope: { name: 'switchyard' }, spans: batch }] },
        ],
      });
      try {
        const response = await fetch(options.endpoint, {
          method: 'POST',
          headers: { ...options.headers, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`OTLP endpoint answered ${response.status}`);
        counters.exported += batch.length;
      } catch (error) {
        // Spans are best effort (the trace store is the record of truth): count and move on.
        counters.failed += batch.length;
        options.logger.debug({ err: error }, 'OTLP span export failed');
      }
    }
  }

  function flush(): Promise<void> {
    sending ??= send().finally(() => {
      sending = undefined;
    });
    return sending;
  }

  const timer = setInterval(() => {
    if (queue.length > 0) void flush();
  }, options.flushIntervalMs ?? 1_000);
  timer.unref();

  return {
    record(event, record) {
      if (options.sampleRatio < 1 && Math.random() >= options.sampleRatio) return;
      const spans = buildSpans(event, record, options.providerSystems);
      if (queue.length + spans.length > maxQueued) {
        counters.dropped += spans.length;
        return;
      }
      queue.push(...spans);
      if (queue.length >= 512) void flush();
    },
    async flush() {
      await sending;
      await flush();
    },
    stats: () => ({ ...counters }),
    async close() {
      clearInterval(timer);
      await this.flush();
      queue = [];
    },
  };
}
