// With otel.globalTracer, the request and attempt spans go through @opentelemetry/api to whatever
// tracer provider the host registered (here a recording one), parented by the host's propagator.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  SpanKind,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type TextMapPropagator,
  type TimeInput,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

interface Recorded {
  name: string;
  kind: SpanKind | undefined;
  context: SpanContext;
  parent: SpanContext | undefined;
  attributes: Record<string, unknown>;
  status?: { code: number };
  startTime: TimeInput | undefined;
  endTime?: TimeInput | undefined;
}

const recorded: Recorded[] = [];

function recordingTracer(): Tracer {
  const startSpan = (name: string, options: SpanOptions = {}, context?: Context): Span => {
    const parent = context ? trace.getSpanContext(context) : undefined;
    const entry: Recorded = {
      name,
      kind: options.kind,
      context: {
        traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: 1,
      },
      parent,
      attributes: { ...options.attributes },
      startTime: options.startTime,
    };
    const span: Span = {
      spanContext: () => entry.context,
      setAttribute: (key, value) => ((entry.attributes[key] = value), span),
      setAttributes: (values) => (Object.assign(entry.attributes, values), span),
      addEvent: () => span,
      addLink: () => span,
      addLinks: () => span,
      setStatus: (status) => ((entry.status = status), span),
      updateName: () => span,
      end: (endTime) => {
        entry.endTime = endTime;
        recorded.push(entry);
      },
      isRecording: () => true,
      recordException: () => undefined,
    };
    return span;
  };
  return {
    startSpan,
    startActiveSpan: () => {
      throw new Error('not used');
    },
  };
}

const traceparentPropagator: TextMapPropagator = {
  inject: () => undefined,
  extract(context, carrier, getter) {
    const value = getter.get(carrier, 'traceparent');
    const header = Array.isArray(value) ? value[0] : value;
    const match = header ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(header) : null;
    if (!match) return context;
    return trace.setSpanContext(context, {
      traceId: match[1] as string,
      spanId: match[2] as string,
      traceFlags: 1,
      isRemote: true,
    });
  },
  fields: () => ['traceparent'],
};

describe('spans through @opentelemetry/api', () => {
  let emulator: Emulator;
  let gateway: TestGateway;

  before(async () => {
    const provider: TracerProvider = { getTracer: () => recordingTracer() };
    assert.ok(trace.setGlobalTracerProvider(provider));
    assert.ok(propagation.setGlobalPropagator(traceparentPropagator));
    emulator = await startEmulator({ kind: 'openai' });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        { otel: { globalTracer: true } },
      ),
    );
  });

  after(async () => {
    await gateway?.close();
    await emulator?.close();
    trace.disable();
    propagation.disable();
  });

  it('hands a SERVER span and a CLIENT child to the host tracer', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const parentTrace = 'a'.repeat(32);
    const answer = await client.chat.completions.create(
      { model: 'fast', messages: [{ role: 'user', content: 'hello' }] },
      { headers: { traceparent: `00-${parentTrace}-${'b'.repeat(16)}-01` } },
    );
    await waitFor(() => recorded.length >= 2, 3_000, 'two spans');
    const server = recorded.find((span) => span.kind === SpanKind.SERVER);
    const attempt = recorded.find((span) => span.kind === SpanKind.CLIENT);
    assert.ok(server && attempt);
    assert.equal(server.name, 'chat fast');
    assert.equal(server.parent?.spanId, 'b'.repeat(16));
    assert.equal(server.context.traceId, parentTrace);
    assert.equal(server.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(server.attributes['gen_ai.request.model'], 'fast');
    assert.equal(server.attributes['gen_ai.response.model'], 'gpt-4o-mini');
    assert.equal(server.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(server.attributes['gen_ai.usage.input_tokens'], answer.usage?.prompt_tokens);
    assert.equal(server.attributes['gen_ai.usage.output_tokens'], answer.usage?.completion_tokens);
    assert.equal(server.status?.code, 1);
    assert.equal(attempt.parent?.spanId, server.context.spanId);
    assert.equal(attempt.name, 'chat gpt-4o-mini');
    assert.ok(typeof server.startTime === 'number' && typeof server.endTime === 'number');
    assert.ok(server.endTime >= server.startTime);
  });
});
