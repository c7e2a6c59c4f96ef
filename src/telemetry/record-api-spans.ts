// Spans through @opentelemetry/api, for a host that registered an OpenTelemetry SDK itself (e.g.
// `node --import @opentelemetry/auto-instrumentations-node/register`): the same request and attempt
// spans as the OTLP exporter, handed to the global tracer provider, parented by the global
// propagator's reading of the request headers. Off unless `otel.globalTracer` is set.

import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  propagation,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { TraceRecord } from './build-trace-record.js';
import { describeSpans, type SpanData } from './create-span-recorder.js';
import type { RequestFinishedEvent } from './events.js';

export interface ApiSpanRecorder {
  record(event: RequestFinishedEvent, record: TraceRecord): void;
}

function finish(span: Span, data: SpanData): void {
  span.setStatus(
    data.error !== undefined
      ? { code: SpanStatusCode.ERROR, message: data.error }
      : { code: SpanStatusCode.OK },
  );
  span.end(data.endMs);
}

export function createApiSpanRecorder(options: {
  providerSystems?: Record<string, string>;
  sampleRatio: number;
}): ApiSpanRecorder {
  return {
    record(event, record) {
      if (options.sampleRatio < 1 && Math.random() >= options.sampleRatio) return;
      // Looked up per request: the host may register its provider after the gateway started.
      const tracer = trace.getTracer('switchyard');
      const { request, attempts } = describeSpans(event, record, options.providerSystems);
      const parent = propagation.extract(ROOT_CONTEXT, event.context.headers);
      const requestSpan = tracer.startSpan(
        request.name,
        { kind: SpanKind.SERVER, startTime: request.startMs, attributes: request.attributes },
        parent,
      );
      const inside = trace.setSpan(parent, requestSpan);
      for (const attempt of attempts) {
        const span = tracer.startSpan(
          attempt.name,
          { kind: SpanKind.CLIENT, startTime: attempt.startMs, attributes: attempt.attributes },
          inside,
        );
        finish(span, attempt);
      }
      finish(requestSpan, request);
    },
  };
}
