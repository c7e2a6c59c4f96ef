// Stage: attempts the route's deployments in order (route once, attempt many). A stream falls back
// only while nothing has reached the client; after that a failure becomes an in-band error event.

import {
  GatewayError,
  UpstreamError,
  isUpstreamError,
  type ChatRequest,
  type Deployment,
  type Provider,
} from '../../core/index.js';
import type { AttemptRecord, RequestContext } from '../request-context.js';
import type { Stage } from '../stage.js';

export interface InvokeUpstreamDeps {
  providers: ReadonlyMap<string, Provider>;
}

type AttemptOutcome = { type: 'served' } | { type: 'failed'; error: unknown };

function describeAttempt(attempt: AttemptRecord): string {
  const status = attempt.status !== undefined ? `, ${attempt.status}` : '';
  return `${attempt.deployment} (${attempt.errorKind ?? 'error'}${status}, ${Math.round(attempt.durationMs)} ms)`;
}

function recordAttempt(
  context: RequestContext,
  deployment: Deployment,
  startTime: number,
  error?: unknown,
): void {
  const durationMs = performance.now() - startTime;
  context.upstreamMs += durationMs;
  const attempt: AttemptRecord = {
    deployment: deployment.id,
    provider: deployment.provider,
    startedAt: Date.now() - durationMs,
    durationMs,
    outcome: error === undefined ? 'success' : 'error',
  };
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

function servedHeaders(context: RequestContext, deployment: Deployment): void {
  context.served = deployment;
  context.sink.setHeader('x-switchyard-provider', deployment.provider);
  context.sink.setHeader('x-switchyard-model', deployment.model);
  context.sink.setHeader('x-switchyard-attempts', String(context.attempts.length + 1));
}

function allFailed(context: RequestContext, lastError: unknown): GatewayError {
  const alias = context.route?.alias ?? '';
  if (context.attempts.length === 0) {
    return new GatewayError('upstream_unavailable', `No deployment of '${alias}' could be tried.`, {
      headers: { 'x-should-retry': 'false' },
    });
  }
  const list = context.attempts.map(describeAttempt).join('; ');
  return new GatewayError(
    'upstream_unavailable',
    `All ${context.attempts.length} attempt(s) for '${alias}' failed: ${list}.`,
    {
      cause: lastError,
      details: { attempts: context.attempts },
      // Both official SDKs would otherwise replay the whole chain twice more.
      headers: { 'x-should-retry': 'false' },
    },
  );
}

async function streamAttempt(
  context: RequestContext,
  provider: Provider,
  deployment: Deployment,
  request: ChatRequest,
  startTime: number,
): Promise<AttemptOutcome> {
  const passthrough = provider.wireFormat === context.surface.wireFormat;
  const parts = await provider.chatStream({
    request,
    deployment,
    ...(passthrough ? { passthroughBody: context.body, clientHeaders: context.headers } : {}),
    signal: context.signal,
    timeouts: deployment.timeouts,
  });
  const encoder = context.surface.createStreamEncoder({
    request,
    requestId: context.requestId,
    passthrough,
  });
  const sink = context.sink;
  let wroteAny = false;
  const iterator = parts[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done) break;
      const part = step.value;
      if (sink.closed) {
        recordAttempt(context, deployment, startTime, new Error('client disconnected'));
        return { type: 'served' };
      }
      if (part.type === 'error') {
        if (!wroteAny) return { type: 'failed', error: part.error };
        recordAttempt(context, deployment, startTime, part.error);
        context.error = part.error;
        sink.write(encoder.encodeError(part.error));
        sink.end();
        return { type: 'served' };
      }
      if (part.type === 'finish') {
        context.usage = part.usage;
        context.finishReason = part.finishReason;
      }
      const text = encoder.encode(part);
      if (text === '') continue;
      if (!wroteAny) {
        wroteAny = true;
        servedHeaders(context, deployment);
        sink.startStream();
        context.ttftMs = performance.now() - context.startTime;
      }
      sink.write(text);
    }
  } finally {
    // Stops the upstream read (and closes its connection) if we left the loop early.
    await iterator.return?.();
  }
  if (!wroteAny) {
    return {
      type: 'failed',
      error: new UpstreamError('upstream stream ended without any event', {
        provider: deployment.provider,
        deployment: deployment.id,
        kind: 'truncated_stream',
      }),
    };
  }
  recordAttempt(context, deployment, startTime);
  sink.end();
  return { type: 'served' };
}

/** Adds: context.attempts, context.served, context.usage, context.finishReason, context.ttftMs */
export function createInvokeUpstreamStage(deps: InvokeUpstreamDeps): Stage {
  return async function invokeUpstream(context, next) {
    const route = context.route;
    if (!route) throw new Error('invokeUpstream needs context.route (resolveRoute runs first)');
    let lastError: unknown;
    for (const deployment of route.deployments) {
      const provider = deps.providers.get(deployment.provider);
      if (!provider) continue;
      const startTime = performance.now();
      let outcome: AttemptOutcome;
      try {
        outcome = await attempt(context, provider, deployment, startTime);
      } catch (error) {
        outcome = { type: 'failed', error };
      }
      if (outcome.type === 'served') {
        await next();
        return;
      }
      recordAttempt(context, deployment, startTime, outcome.error);
      lastError = outcome.error;
      if (context.signal.aborted) throw outcome.error;
      if (!isUpstreamError(outcome.error)) throw outcome.error;
      if (!outcome.error.retryable) throw outcome.error;
    }
    throw allFailed(context, lastError);
  };
}

async function attempt(
  context: RequestContext,
  provider: Provider,
  deployment: Deployment,
  startTime: number,
): Promise<AttemptOutcome> {
  const sink = context.sink;
  if (context.operation === 'embeddings') {
    const request = context.embeddingsRequest;
    if (!request || !provider.embeddings) {
      throw new GatewayError(
        'invalid_request',
        `The model '${context.route?.alias}' does not serve embeddings.`,
        {
          param: 'model',
        },
      );
    }
    const passthrough = provider.wireFormat === 'openai-chat';
    const response = await provider.embeddings({
      request,
      deployment,
      ...(passthrough ? { passthroughBody: context.body } : {}),
      signal: context.signal,
      timeouts: deployment.timeouts,
    });
    servedHeaders(context, deployment);
    recordAttempt(context, deployment, startTime);
    context.usage = response.usage;
    context.sink.sendJson(200, response.body);
    return { type: 'served' };
  }
  const request = context.chatRequest;
  if (!request) throw new Error('invokeUpstream needs context.chatRequest');
  if (request.stream) return streamAttempt(context, provider, deployment, request, startTime);
  const passthrough = provider.wireFormat === context.surface.wireFormat;
  const result = await provider.chat({
    request,
    deployment,
    ...(passthrough ? { passthroughBody: context.body, clientHeaders: context.headers } : {}),
    signal: context.signal,
    timeouts: deployment.timeouts,
  });
  servedHeaders(context, deployment);
  recordAttempt(context, deployment, startTime);
  context.usage = result.response.usage;
  context.finishReason = result.response.finishReason;
  sink.sendJson(200, context.surface.encodeChat(result.response, result.raw, context.requestId));
  return { type: 'served' };
}
