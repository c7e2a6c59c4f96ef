// Stage: the response cache. Looks the request up (exact key, then the semantic index when the
// alias opts in) and serves a hit in the surface's format, as JSON or as a replayed stream; on a
// miss, lets the request through and stores the answer once it proved complete.

import type { ChatRequest, ChatResponse, FinishReason, RequestSignal } from '../../core/index.js';
import {
  decodeCachedAnswer,
  encodeCachedAnswer,
  type CachedAnswer,
} from '../../cache/cached-answer.js';
import { decideCacheability } from '../../cache/cacheability.js';
import { exactCacheKey, sha256Hex } from '../../cache/canonical-request.js';
import { StreamAnswerAssembler } from '../../cache/assemble-stream-answer.js';
import type { CachePolicy, ResponseCache } from '../../cache/create-response-cache.js';
import { publishCacheEvent } from '../../cache/cache-events.js';
import { replayStreamParts } from '../../cache/replay-stream-parts.js';
import { extractGuardFeatures, type GuardFeatures } from '../../cache/semantic/false-hit-guards.js';
import { semanticPromptOf } from '../../cache/semantic/semantic-prompt.js';
import { tenantOf } from '../../cache/tenant-of.js';
import type { CacheOutcome, RequestContext } from '../request-context.js';
import type { Next, Stage } from '../stage.js';

/** Answers that ended like this are complete and worth replaying; others are not stored. */
const storableFinishReasons = new Set<FinishReason['unified']>(['stop', 'length', 'tool-calls']);

interface SemanticProbe {
  partition: string;
  vector: Float32Array;
  features: GuardFeatures;
}

function setCacheHeader(context: RequestContext, status: string, similarity?: number): void {
  context.sink.setHeader('x-switchyard-cache', status);
  if (similarity !== undefined) {
    context.sink.setHeader('x-switchyard-cache-similarity', similarity.toFixed(4));
  }
}

function serveAnswer(context: RequestContext, request: ChatRequest, answer: CachedAnswer): void {
  const response = answer.response;
  context.finishReason = response.finishReason;
  context.sink.setHeader('x-switchyard-attempts', '0');
  if (!request.stream) {
    context.sink.sendJson(200, context.surface.encodeChat(response, undefined, context.requestId));
    return;
  }
  const encoder = context.surface.createStreamEncoder({
    request,
    requestId: context.requestId,
    passthrough: false,
  });
  // The whole answer is here: it leaves in one write, as one upstream read would.
  let text = '';
  for (const part of replayStreamParts(response)) text += encoder.encode(part);
  context.sink.startStream();
  context.ttftMs = performance.now() - context.startTime;
  context.sink.end(text);
}

export interface ResponseCacheDeps {
  cache: ResponseCache;
}

/** Adds: context.cache (and on a hit: the response, context.finishReason, context.ttftMs) */
export function createResponseCacheStage(deps: ResponseCacheDeps): Stage {
  const { cache } = deps;
  /** Exact keys whose answer is being fetched upstream right now (this process). */
  const leaders = new Map<string, Promise<CachedAnswer | undefined>>();

  async function read(key: string): Promise<CachedAnswer | undefined | 'unavailable'> {
    try {
      const bytes = await cache.store.get(key);
      return bytes === undefined ? undefined : decodeCachedAnswer(bytes);
    } catch {
      return 'unavailable';
    }
  }

  async function probeSemantic(
    context: RequestContext,
    request: ChatRequest,
    policy: CachePolicy,
    tenant: string,
  ): Promise<SemanticProbe | undefined> {
    const semantic = policy.semantic;
    if (!semantic) return undefined;
    const prompt = semanticPromptOf(request);
    if (!prompt) return undefined;
    let vector: Float32Array;
    try {
      vector = await semantic.embedder.embed(prompt.text, context.signal);
    } catch (error) {
      publishCacheEvent({
        type: 'embedder-error',
        alias: request.model,
        error: error instanceof Error ? error : new Error(String(error)),
      });
      return undefined;
    }
    return {
      // The hard partition: tenant, alias, embedder, and the exact context before the last turn.
      partition: sha256Hex(
        `${tenant}\u0000${request.model}\u0000${semantic.embedder.name}\u0000${prompt.contextHash}`,
      ),
      vector,
      features: extractGuardFeatures(prompt.text),
    };
  }

  async function store(
    context: RequestContext,
    key: string,
    response: ChatResponse,
    policy: CachePolicy,
    probe: SemanticProbe | undefined,
  ): Promise<CachedAnswer | undefined> {
    if (!storableFinishReasons.has(response.finishReason.unified)) return undefined;
    const answer: CachedAnswer = { version: 1, response, storedAt: Date.now() };
    if (context.served) {
      answer.deployment = context.served.id;
      answer.provider = context.served.provider;
    }
    try {
      await cache.store.set(key, encodeCachedAnswer(answer), policy.ttlSeconds);
      if (probe) {
        await cache.semantic.remember({ ...probe, key, ttlSeconds: policy.ttlSeconds });
      }
    } catch {
      // Reported by the store as a cache event; the client already has its answer.
    }
    return answer;
  }

  // Not async up to the cacheability decision: a request that bypasses the cache (or is no chat)
  // hands on next()'s promise, without a promise and a suspended frame of this stage's own.
  return function responseCache(context, next) {
    const request = context.chatRequest;
    const route = context.route;
    if (context.operation !== 'chat' || !request || !route) return next();
    const policy = cache.policyFor(route.alias);
    const decision = decideCacheability({
      request,
      mode: policy.mode,
      directive: context.metadata.cache,
    });
    if (!decision.cacheable) {
      context.cache = bypassOutcome(decision.reason);
      setCacheHeader(context, 'bypass');
      return next();
    }
    return lookUp(context, next, request, route, policy);
  };

  async function lookUp(
    context: RequestContext,
    next: Next,
    request: ChatRequest,
    route: NonNullable<RequestContext['route']>,
    policy: CachePolicy,
  ): Promise<void> {
    const tenant = tenantOf(context);
    const key = exactCacheKey(tenant, request);
    const found = await read(key);
    if (found === 'unavailable') {
      context.cache = { status: 'bypass', reason: 'store_unavailable', key };
      setCacheHeader(context, 'bypass');
      await next();
      return;
    }
    if (found) {
      context.cache = hitOutcome('hit', key, found);
      setCacheHeader(context, 'hit');
      serveAnswer(context, request, found);
      return;
    }
    const probe = await probeSemantic(context, request, policy, tenant);
    if (probe && policy.semantic) {
      const match = cache.semantic.lookup({
        ...probe,
        threshold: policy.semantic.threshold,
        guards: policy.semantic.guards,
        alias: route.alias,
      });
      if (match) {
        const answer = await read(match.key);
        if (answer && answer !== 'unavailable') {
          context.cache = {
            ...hitOutcome('semantic', match.key, answer),
            similarity: match.similarity,
          };
          setCacheHeader(context, 'semantic', match.similarity);
          publishCacheEvent({
            type: 'semantic-hit',
            alias: route.alias,
            similarity: match.similarity,
            threshold: policy.semantic.threshold,
          });
          serveAnswer(context, request, answer);
          return;
        }
        // The answer expired or was evicted: the index entry is stale.
        if (answer === undefined) cache.semantic.forget(match.key, probe.partition, probe.vector);
      }
    }
    // The same question is already on its way upstream in this process: a non-streaming request
    // waits for that answer instead of paying for it again (a stream goes its own way, so its
    // first token is not delayed to the end of someone else's answer).
    const leader = leaders.get(key);
    if (leader && !request.stream) {
      const answer = await untilAborted(leader, context.signal);
      if (answer) {
        context.cache = { ...hitOutcome('hit', key, answer), reason: 'coalesced' };
        setCacheHeader(context, 'hit');
        serveAnswer(context, request, answer);
        return;
      }
    }
    let settle: ((answer: CachedAnswer | undefined) => void) | undefined;
    if (!leader) {
      leaders.set(
        key,
        new Promise((resolve) => {
          settle = resolve;
        }),
      );
    }
    context.cache = { status: 'miss', key };
    setCacheHeader(context, 'miss');
    let assembler: StreamAnswerAssembler | undefined;
    if (request.stream) {
      const streamAssembler = new StreamAnswerAssembler();
      assembler = streamAssembler;
      (context.partObservers ??= []).push((part) => streamAssembler.observe(part));
    }
    try {
      await next();
      if (context.error || context.signal.aborted) return;
      const response = assembler ? assembler.answer() : context.chatResponse;
      if (response) settle?.(await store(context, key, response, policy, probe));
    } finally {
      if (settle) {
        settle(undefined);
        leaders.delete(key);
      }
    }
  }
}

/** The outcome of a bypass for each reason, made once and shared (frozen: only read). */
const bypassOutcomes = new Map<string, CacheOutcome>();

function bypassOutcome(reason: string): CacheOutcome {
  let outcome = bypassOutcomes.get(reason);
  if (!outcome) {
    outcome = Object.freeze({ status: 'bypass', reason });
    bypassOutcomes.set(reason, outcome);
  }
  return outcome;
}

/** The promise's value, or undefined as soon as the request is aborted. */
function untilAborted<T>(
  promise: Promise<T | undefined>,
  signal: RequestSignal,
): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

function hitOutcome(status: 'hit' | 'semantic', key: string, answer: CachedAnswer) {
  return {
    status,
    key,
    savedUsage: answer.response.usage,
    ...(answer.deployment !== undefined ? { savedDeployment: answer.deployment } : {}),
    ...(answer.provider !== undefined ? { savedProvider: answer.provider } : {}),
  };
}
