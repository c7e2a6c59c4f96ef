// Stage: serves the request from the route's deployments through the fallback chain (route once,
// attempt many: src/resilience/run-fallback-chain.ts decides retries, fallbacks, breakers and the
// deadline). This file is the attempt: call the provider, write the answer to the client. A stream
// falls back only while nothing has reached the client; after that a failure becomes an in-band
// error event in the surface's format, never a clean end.

import {
  EncodedJson,
  GatewayError,
  UpstreamError,
  hasPartBatches,
  isUpstreamError,
  type ChatRequest,
  type Provider,
  type ProviderCall,
  type StreamPart,
} from '../../core/index.js';
import {
  runFallbackChain,
  type AttemptReport,
  type AttemptResult,
  type ChainAttempt,
  type Resilience,
} from '../../resilience/index.js';
import type { AttemptRecord, RequestContext } from '../request-context.js';
import type { Stage } from '../stage.js';
import { publishAttemptFinished, publishAttemptStarted } from '../../telemetry/events.js';

export interface InvokeUpstreamDeps {
  providers: ReadonlyMap<string, Provider>;
  resilience: Resilience;
}

function recordAttempt(context: RequestContext, report: AttemptReport, durationMs: number): void {
  context.upstreamMs += durationMs;
  const error = report.error;
  const attempt: AttemptRecord = {
    deployment: report.deployment.id,
    provider: report.deployment.provider,
    startedAt: Date.now() - durationMs,
    durationMs,
    outcome: error === undefined ? 'success' : 'error',
  };
  if (report.retry > 0) attempt.retry = report.retry;
  if (report.probe) attempt.probe = true;
  if (error !== undefined) {
    if (context.signal.aborted) {
      attempt.errorKind = 'client_aborted';
    } else if (isUpstreamError(error)) {
      attempt.errorKind = error.kind;
      if (error.upstreamStatus !== undefined) attempt.status = error.upstreamStatus;
    } else {
      attempt.errorKind = 'internal';
    }
    attempt.message = error instanceof Error ? error.message : JSON.stringify(error);
  }
  context.attempts.push(attempt);
}

function servedHeaders(context: RequestContext, deployment: ChainAttempt['deployment']): void {
  context.served = deployment;
  context.sink.setHeader('x-switchyard-provider', deployment.provider);
  context.sink.setHeader('x-switchyard-model', deployment.model);
  context.sink.setHeader('x-switchyard-attempts', String(context.attempts.length + 1));
}

/** The provider call of one attempt: same-format requests pass the client's body through. */
function providerCall<TRequest>(
  context: RequestContext,
  provider: Provider,
  attempt: ChainAttempt,
  request: TRequest,
  passthrough: boolean,
): ProviderCall<TRequest> {
  return {
    request,
    deployment: attempt.deployment,
    ...(passthrough ? { passthroughBody: context.body, clientHeaders: context.headers } : {}),
    signal: context.signal,
    timeouts: attempt.timeouts,
  };
}

/** Part-by-part iteration seen as batches of one (a provider stream without `batches`). */
function onePartBatches(inner: AsyncIterator<StreamPart>): AsyncIterator<readonly StreamPart[]> {
  return {
    async next() {
      const step = await inner.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: [step.value] };
    },
    async return() {
      await inner.return?.();
      return { done: true, value: undefined };
    },
  };
}

async function streamAttempt(
  context: RequestContext,
  provider: Provider,
  attempt: ChainAttempt,
  request: ChatRequest,
): Promise<AttemptResult> {
  const passthrough = provider.wireFormat === context.surface.wireFormat;
  const parts = await provider.chatStream(
    providerCall(context, provider, attempt, request, passthrough),
  );
  const encoder = context.surface.createStreamEncoder({
    request,
    requestId: context.requestId,
    passthrough,
  });
  const sink = context.sink;
  const output = { chunks: 0, textChars: 0, reasoningChars: 0, toolArgumentChars: 0 };
  let wroteAny = false;
  // The parts of one upstream read are written in one write (a provider that does not group its
  // parts gives them one by one); nothing waits for a later read.
  const iterator = hasPartBatches(parts)
    ? parts.batches()
    : onePartBatches(parts[Symbol.asyncIterator]());
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done) break;
      let pending = '';
      let finished = false;
      for (const part of step.value) {
        if (context.partObservers) for (const observe of context.partObservers) observe(part);
        if (sink.closed) {
          return { type: 'served', failure: new Error('client disconnected mid-stream') };
        }
        if (part.type === 'error') {
          if (!wroteAny) return { type: 'failed', error: part.error };
          context.error = part.error;
          sink.write(pending + encoder.encodeError(part.error));
          sink.end();
          return { type: 'served', failure: part.error };
        }
        if (part.type === 'finish') {
          context.usage = part.usage;
          context.finishReason = part.finishReason;
          finished = true;
        } else if (part.type === 'text-delta') output.textChars += part.delta.length;
        else if (part.type === 'reasoning-delta') output.reasoningChars += part.delta.length;
        else if (part.type === 'tool-call-delta') {
          output.toolArgumentChars += part.argumentsDelta.length;
        }
        const text = encoder.encode(part);
        if (text === '') continue;
        if (!wroteAny) {
          wroteAny = true;
          // What the client has received so far: kept on the context if the stream breaks off.
          context.partialOutput = output;
          servedHeaders(context, attempt.deployment);
          sink.startStream();
          context.streamed = true;
          context.ttftMs = performance.now() - context.startTime;
        }
        output.chunks += 1;
        pending += text;
      }
      if (finished && wroteAny) {
        // The last part: the response ends with the rest of this read, in the same write, without
        // waiting for the upstream's body to end (read-upstream-stream.ts drains it).
        sink.end(pending);
        break;
      }
      if (pending !== '') sink.write(pending);
    }
  } finally {
    // Stops the upstream read (and closes its connection) if we left the loop early.
    await iterator.return?.();
  }
  if (!wroteAny) {
    return {
      type: 'failed',
      error: new UpstreamError('upstream stream ended without any event', {
        provider: attempt.deployment.provider,
        deployment: attempt.deployment.id,
        kind: 'truncated_stream',
      }),
    };
  }
  sink.end();
  return { type: 'served' };
}

async function runAttempt(
  context: RequestContext,
  provider: Provider,
  attempt: ChainAttempt,
): Promise<AttemptResult> {
  const sink = context.sink;
  if (context.operation === 'embeddings') {
    const request = context.embeddingsRequest;
    if (!request || !provider.embeddings) {
      throw new GatewayError(
        'invalid_request',
        `The model '${context.route?.alias}' does not serve embeddings.`,
        { param: 'model' },
      );
    }
    const passthrough = provider.wireFormat === 'openai-chat';
    const response = await provider.embeddings(
      providerCall(context, provider, attempt, request, passthrough),
    );
    servedHeaders(context, attempt.deployment);
    context.usage = response.usage;
    sink.sendJson(200, response.body);
    return { type: 'served' };
  }
  const request = context.chatRequest;
  if (!request) throw new Error('invokeUpstream needs context.chatRequest');
  if (request.stream) return streamAttempt(context, provider, attempt, request);
  const passthrough = provider.wireFormat === context.surface.wireFormat;
  const result = await provider.chat(
    providerCall(context, provider, attempt, request, passthrough),
  );
  servedHeaders(context, attempt.deployment);
  context.usage = result.response.usage;
  context.finishReason = result.response.finishReason;
  context.chatResponse = result.response;
  const body = context.surface.encodeChat(result.response, result.raw, context.requestId);
  // The surface answers with the upstream body unchanged (passthrough): forward its bytes.
  sink.sendJson(
    200,
    body === result.raw && result.rawBytes ? new EncodedJson(body, result.rawBytes) : body,
  );
  return { type: 'served' };
}

/**
 * Adds: context.attempts, context.skipped, context.served, context.usage, context.finishReason,
 * context.ttftMs, context.partialOutput
 */
export function createInvokeUpstreamStage(deps: InvokeUpstreamDeps): Stage {
  const { providers, resilience } = deps;
  return async function invokeUpstream(context, next) {
    const route = context.route;
    if (!route) throw new Error('invokeUpstream needs context.route (resolveRoute runs first)');
    let attemptStart = 0;
    await runFallbackChain({
      alias: route.alias,
      deployments: route.deployments,
      breakers: resilience.breakers,
      retryPolicyFor: (deployment) => resilience.retryPolicyFor(deployment, route.alias),
      clock: resilience.clock,
      random: resilience.random,
      deadlineAt: resilience.clock.now() + resilience.requestTimeoutMsFor(route.alias),
      signal: context.signal,
      canAttempt: (deployment) => providers.has(deployment.provider),
      attempt: (attempt) => {
        attemptStart = performance.now();
        const provider = providers.get(attempt.deployment.provider) as Provider;
        // The in-flight-per-deployment gauge: every start has its end, whatever the outcome.
        const event = { context, deployment: attempt.deployment };
        publishAttemptStarted(event);
        return runAttempt(context, provider, attempt).finally(() => publishAttemptFinished(event));
      },
      onAttempt: (report) => recordAttempt(context, report, performance.now() - attemptStart),
      onSkip: (skipped) =>
        (context.skipped ??= []).push({
          deployment: skipped.deployment.id,
          provider: skipped.deployment.provider,
          reason: skipped.reason,
          retryInMs: Math.round(skipped.retryInMs),
        }),
    });
    await next();
  };
}
