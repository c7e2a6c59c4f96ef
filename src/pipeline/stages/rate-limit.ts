// Stage: token rate limits. Reserves the request's estimated tokens (prompt counted with a real
// tokenizer + max output) on its subject's buckets before the call, answers 429 when they do not
// hold enough, and settles with the real usage afterwards (refund or charge the difference).

import { GatewayError } from '../../core/index.js';
import {
  countPromptTokensInSlices,
  countShortPromptTokens,
  estimateRequestTokens,
  type TokenEstimate,
} from '../../limits/estimate-tokens.js';
import { formatGoDuration } from '../../limits/format-go-duration.js';
import { numberText } from '../../lib/number-text.js';
import { publishLimitEvent } from '../../limits/limit-events.js';
import type { TokenBucketSpec, TokenBucketState } from '../../limits/limit-store.js';
import { tightestBucket, type TokenLimiter } from '../../limits/token-limiter.js';
import type { VirtualKey } from '../../keys/virtual-key.js';
import type { RequestContext, ResponseSink } from '../request-context.js';
import type { Next, Stage } from '../stage.js';

export interface RateLimitDeps {
  limiter: TokenLimiter;
  defaultTier: string;
  defaultMaxOutputTokens: number;
}

export interface LimitSubject {
  readonly subject: string;
  readonly user?: string;
}

function subjectOfKey(key: VirtualKey): LimitSubject {
  if (key.user !== undefined) return { subject: `user:${key.user}`, user: key.user };
  if (key.team !== undefined) return { subject: `team:${key.team}` };
  return { subject: `key:${key.id}` };
}

// Per key object (static keys live as long as the service, database keys as long as their cache
// entry): the subject string is built once and keeps its hash for the limiter's lookups.
const keySubjects = new WeakMap<VirtualKey, LimitSubject>();
const anonymous: LimitSubject = { subject: 'anonymous' };

/** Who a request's token limits apply to: the key's user, else its team, else the key. */
export function limitSubject(context: RequestContext): LimitSubject {
  const key = context.key;
  if (key) {
    let known = keySubjects.get(key);
    if (!known) {
      known = subjectOfKey(key);
      keySubjects.set(key, known);
    }
    return known;
  }
  const user = context.metadata.user;
  return user !== undefined ? { subject: `user:${user}`, user } : anonymous;
}

/**
 * The request's estimate, made now if its prompt has no text long enough to be counted in slices
 * (one pass over the prompt); undefined otherwise, and prepareTokenEstimate makes it.
 */
export function tokenEstimateIfShort(
  context: RequestContext,
  defaultMaxOutputTokens: number,
): TokenEstimate | undefined {
  if (context.tokenEstimate !== undefined) return context.tokenEstimate;
  const chat = context.chatRequest;
  if (chat === undefined) return tokenEstimateOf(context, defaultMaxOutputTokens);
  const inputTokens = countShortPromptTokens(chat);
  if (inputTokens === undefined) return undefined;
  context.tokenEstimate = {
    inputTokens,
    outputTokens: chat.maxOutputTokens ?? defaultMaxOutputTokens,
  };
  return context.tokenEstimate;
}

/**
 * Makes the estimate of a request with a long prompt text, counting that text a slice at a time
 * with other requests running in between (estimate-tokens.ts); tokenEstimateOf then answers from
 * the context. For the limit stages, when tokenEstimateIfShort answered undefined.
 */
export async function prepareTokenEstimate(
  context: RequestContext,
  defaultMaxOutputTokens: number,
): Promise<TokenEstimate> {
  const chat = context.chatRequest;
  if (context.tokenEstimate !== undefined || chat === undefined) {
    return tokenEstimateOf(context, defaultMaxOutputTokens);
  }
  const inputTokens = await countPromptTokensInSlices(chat);
  context.tokenEstimate ??= {
    inputTokens,
    outputTokens: chat.maxOutputTokens ?? defaultMaxOutputTokens,
  };
  return context.tokenEstimate;
}

/** The request's token estimate, computed once and shared by the limit stages. */
export function tokenEstimateOf(
  context: RequestContext,
  defaultMaxOutputTokens: number,
): TokenEstimate {
  context.tokenEstimate ??= estimateRequestTokens(
    { chat: context.chatRequest, embeddings: context.embeddingsRequest },
    defaultMaxOutputTokens,
  );
  return context.tokenEstimate;
}

/** What the request really used; the estimate when an answer went out without usage. */
export function actualTokensOf(context: RequestContext, reserved: number): number {
  if (context.usage) return context.usage.input.total + context.usage.output.total;
  return context.served ? reserved : 0;
}

/**
 * OpenAI's names and Go-duration resets on every surface; Anthropic clients also get Anthropic's
 * names, whose reset is an RFC 3339 instant (docs.anthropic.com, "Rate limits": response headers).
 * Written straight to the sink on an admitted request (no header object per request).
 */
function writeLimitHeaders(
  state: TokenBucketState,
  surface: string,
  sink: Pick<ResponseSink, 'setHeader'>,
): void {
  const limit = numberText(state.limit);
  const remaining = numberText(Math.max(0, state.remaining));
  sink.setHeader('x-ratelimit-limit-tokens', limit);
  sink.setHeader('x-ratelimit-remaining-tokens', remaining);
  sink.setHeader('x-ratelimit-reset-tokens', formatGoDuration(state.resetMs));
  if (surface === 'anthropic') {
    sink.setHeader('anthropic-ratelimit-tokens-limit', limit);
    sink.setHeader('anthropic-ratelimit-tokens-remaining', remaining);
    sink.setHeader(
      'anthropic-ratelimit-tokens-reset',
      new Date(Math.ceil((Date.now() + state.resetMs) / 1000) * 1000).toISOString(),
    );
  }
}

/** The same headers as an object (for a refusal's error). */
function limitHeaders(state: TokenBucketState, surface: string): Record<string, string> {
  const headers: Record<string, string> = {};
  writeLimitHeaders(state, surface, {
    setHeader(name, value) {
      headers[name] = value;
    },
  });
  return headers;
}

/** The 429 of a refused reservation: the blocking bucket, how long to wait, whether to retry. */
function refusal(
  context: RequestContext,
  subject: string,
  estimate: TokenEstimate,
  reserved: number,
  states: readonly TokenBucketState[],
): GatewayError {
  const tightest = tightestBucket(states);
  const headers = tightest ? limitHeaders(tightest, context.surface.name) : {};
  publishLimitEvent({ type: 'refused', limit: 'rate', subject, requestId: context.requestId });
  const blocking = states.filter((state) => state.retryAfterMs !== 0);
  const never = blocking.find((state) => state.retryAfterMs < 0);
  if (never) {
    return new GatewayError(
      'rate_limited',
      `Request too large for the token rate limit of ${subject}: it may use ${reserved} tokens ` +
        `(${estimate.inputTokens} prompt + ${estimate.outputTokens} max output) but the limit ` +
        `allows at most ${never.limit} at once. Lower max_tokens or shorten the prompt.`,
      { headers: { ...limitHeaders(never, context.surface.name), 'x-should-retry': 'false' } },
    );
  }
  const waitMs = Math.max(...blocking.map((state) => state.retryAfterMs));
  const worst = blocking.find((state) => state.retryAfterMs === waitMs) ?? tightest;
  return new GatewayError(
    'rate_limited',
    `Rate limit reached for tokens (${subject}): limit ${worst?.limit ?? 0}, remaining ` +
      `${Math.max(0, worst?.remaining ?? 0)}, requested ${reserved}. Try again in ${formatGoDuration(waitMs)}.`,
    {
      headers: {
        ...(worst ? limitHeaders(worst, context.surface.name) : headers),
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
        'retry-after-ms': String(waitMs),
        // openai-node ignores a retry-after over 60 s and retries on its own short backoff,
        // which would only be refused again: tell both SDKs not to retry such a long wait.
        ...(waitMs > 60_000 ? { 'x-should-retry': 'false' } : {}),
      },
    },
  );
}

/** Adds: context.tokenEstimate; the x-ratelimit-* headers */
export function createRateLimitStage(deps: RateLimitDeps): Stage {
  async function limited(
    context: RequestContext,
    next: Next,
    subject: string,
    buckets: TokenBucketSpec[],
  ): Promise<void> {
    const estimate =
      tokenEstimateIfShort(context, deps.defaultMaxOutputTokens) ??
      (await prepareTokenEstimate(context, deps.defaultMaxOutputTokens));
    const reserved = estimate.inputTokens + estimate.outputTokens;
    // An in-process store answers at once: no promise, no turn of the microtask queue.
    const decision =
      deps.limiter.reserveNow(buckets, reserved) ?? (await deps.limiter.reserve(buckets, reserved));
    if (decision.type === 'store-failed') {
      if (decision.policy === 'closed') {
        throw new GatewayError(
          'limits_unavailable',
          'The rate limiter is unavailable and configured to refuse requests meanwhile; retry shortly.',
          { cause: decision.error },
        );
      }
      // Fail open: admitted without a reservation, so there is nothing to settle.
      await next();
      return;
    }
    if (decision.type === 'unlimited') {
      await next();
      return;
    }
    if (decision.type === 'refused') {
      throw refusal(context, subject, estimate, reserved, decision.states);
    }
    const tightest = tightestBucket(decision.states);
    if (tightest) writeLimitHeaders(tightest, context.surface.name, context.sink);
    try {
      await next();
    } finally {
      const delta = actualTokensOf(context, reserved) - reserved;
      if (!deps.limiter.adjustNow(buckets, delta)) await deps.limiter.adjust(buckets, delta);
    }
  }

  // Not an async function: a request no limit applies to goes on without a frame of its own.
  return function rateLimit(context, next) {
    const { subject, user } = limitSubject(context);
    const buckets = deps.limiter.bucketsFor({
      subject,
      user,
      tier: context.key?.tier ?? deps.defaultTier,
      alias: context.route?.alias ?? '',
    });
    if (buckets.length === 0) return next();
    return limited(context, next, subject, buckets);
  };
}
