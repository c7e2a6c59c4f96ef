// One trace record per client request, built from the request-finished event: who, what was asked,
// where it went (each attempt), what it cost, how long it took. No prompt or answer text unless the
// config opts in (then capped).

import { createUsage, isUpstreamError, type Usage } from '../core/index.js';
import type { AttemptRecord, RequestContext } from '../pipeline/request-context.js';
import type { PriceTable } from '../pricing/price-table.js';
import type { RequestFinishedEvent } from './events.js';
import { isoTime } from '../lib/iso-time.js';

export interface TraceAttempt {
  deployment: string;
  provider: string;
  outcome: 'success' | 'error';
  errorKind?: string;
  status?: number;
  latencyMs: number;
}

export interface TraceRecord {
  /** ISO time the request arrived. */
  time: string;
  requestId: string;
  keyId: string | null;
  user: string | null;
  session: string | null;
  feature: string | null;
  region: string | null;
  surface: string;
  operation: string;
  requestedModel: string | null;
  routedModel: string | null;
  provider: string | null;
  deployment: string | null;
  routeReason: string | null;
  attempts: TraceAttempt[];
  cacheStatus: string | null;
  /** All input tokens (uncached + cache read + cache write). */
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** All output tokens (text + reasoning). */
  outputTokens: number;
  reasoningTokens: number;
  /**
   * The upstream never reported usage (the client left mid-stream, or the stream broke off): the
   * tokens (and the cost) are estimated from what reached the client and the prompt, ~4 chars/token.
   */
  usageEstimated?: boolean;
  ttftMs: number | null;
  totalMs: number;
  upstreamMs: number;
  overheadMs: number;
  /** USD spent; null when the model's price is unknown (never 0 for unknown). */
  costUsd: number | null;
  /** USD a cache hit saved (what the answer cost when it was made); null when not a hit. */
  cacheSavedUsd: number | null;
  status: number;
  errorCode: string | null;
  errorClass: string | null;
  finishReason: string | null;
  streamed: boolean;
  aborted: boolean;
  promptText: string | null;
  responseText: string | null;
}

/** Fields other stages may add to the context later (virtual keys, cache); read defensively. */
interface OptionalContextFields {
  key?: { id?: unknown; user?: unknown } | string;
  cache?:
    | { status?: unknown; savedUsage?: Usage; savedDeployment?: unknown; savedProvider?: unknown }
    | string;
}

function readKeyUser(context: RequestContext): string | null {
  const key = (context as unknown as OptionalContextFields).key;
  return typeof key === 'object' && typeof key.user === 'string' ? key.user : null;
}

/** On a cache hit: what the cached answer cost when it was made (the money the hit saved). */
function savedCostOf(context: RequestContext, prices: PriceTable): number | null {
  const cache = (context as unknown as OptionalContextFields).cache;
  const saved = typeof cache === 'object' ? cache : undefined;
  const usage = saved?.savedUsage ?? context.usage;
  if (!usage) return null;
  const deployments = context.route?.deployments ?? [];
  const deployment =
    deployments.find((candidate) => candidate.id === saved?.savedDeployment) ??
    context.served ??
    deployments[0];
  return deployment ? prices.costOf(deployment, usage) : null;
}

/** On a cache hit: the deployment that produced the cached answer (for the routed model). */
function savedDeploymentOf(context: RequestContext) {
  const cache = (context as unknown as OptionalContextFields).cache;
  if (typeof cache !== 'object') return undefined;
  return context.route?.deployments.find((candidate) => candidate.id === cache.savedDeployment);
}

function cachedUsageOf(context: RequestContext): Usage | undefined {
  const cache = (context as unknown as OptionalContextFields).cache;
  return typeof cache === 'object' ? cache.savedUsage : undefined;
}

export function readKeyId(context: RequestContext): string | null {
  const key = (context as unknown as OptionalContextFields).key;
  if (typeof key === 'string') return key;
  return typeof key?.id === 'string' ? key.id : null;
}

export function readCacheStatus(context: RequestContext): string | null {
  const cache = (context as unknown as OptionalContextFields).cache;
  if (typeof cache === 'string') return cache;
  return typeof cache?.status === 'string' ? cache.status : null;
}

export function isCacheHit(status: string | null): boolean {
  return status === 'hit' || status === 'semantic' || status === 'exact';
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Cut on a character boundary: decoding drops a trailing partial character as U+FFFD; strip it.
  return bytes
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

export interface BuildTraceOptions {
  prices: PriceTable;
  /** Opt-in content capture: byte cap per text; undefined → no text stored. */
  contentMaxBytes?: number;
  /** Response text captured by the telemetry stage (only when content capture is on). */
  responseText?: string;
}

/**
 * The cost of the usage at the deployment that served it. No usage: 0 when nothing was served (the
 * call failed before any answer), unknown (null) when something was served without a usage report.
 */
export function costOfContext(
  context: RequestContext,
  usage: Usage | undefined,
  prices: PriceTable,
): number | null {
  const deployment = context.served ?? context.route?.deployments[0];
  if (!usage) return context.served ? null : 0;
  if (!deployment) return null;
  return prices.costOf(deployment, usage);
}

interface PartialOutput {
  textChars: number;
  reasoningChars: number;
  toolArgumentChars: number;
}

/** Usage estimated at ~4 characters per token from what reached the client and the prompt. */
function estimateUsage(context: RequestContext, output: PartialOutput): Usage {
  const reservation = (context as unknown as { tokenEstimate?: { inputTokens?: unknown } })
    .tokenEstimate;
  const prompt = context.chatRequest?.messages ?? context.embeddingsRequest?.input ?? [];
  const inputTokens =
    typeof reservation?.inputTokens === 'number'
      ? reservation.inputTokens
      : Math.ceil(JSON.stringify(prompt).length / 4);
  const reasoning = Math.ceil(output.reasoningChars / 4);
  const text = Math.ceil((output.textChars + output.toolArgumentChars) / 4);
  return createUsage({ inputNoCache: inputTokens, outputTotal: text + reasoning, reasoning });
}

function errorClassOf(context: RequestContext): string | null {
  const error = context.error;
  const cause = error && isUpstreamError(error) ? error : error?.cause;
  if (cause && isUpstreamError(cause)) return cause.kind;
  // The last failed attempt's kind.
  const attempts = context.attempts;
  for (let index = attempts.length - 1; index >= 0; index--) {
    const attempt = attempts[index]!;
    if (attempt.outcome === 'error') {
      if (attempt.errorKind) return attempt.errorKind;
      break;
    }
  }
  return error ? error.code : null;
}

/** An attempt as the trace keeps it (the same keys in the same order, no temporary objects). */
function traceAttempt(attempt: AttemptRecord): TraceAttempt {
  const { deployment, provider, outcome, errorKind, status } = attempt;
  const latencyMs = round(attempt.durationMs);
  if (errorKind === undefined) {
    return status === undefined
      ? { deployment, provider, outcome, latencyMs }
      : { deployment, provider, outcome, status, latencyMs };
  }
  return status === undefined
    ? { deployment, provider, outcome, errorKind, latencyMs }
    : { deployment, provider, outcome, errorKind, status, latencyMs };
}

export function buildTraceRecord(
  event: RequestFinishedEvent,
  options: BuildTraceOptions,
): TraceRecord {
  const { context } = event;
  const cacheStatus = readCacheStatus(context);
  const hit = isCacheHit(cacheStatus);
  // A cache hit spends nothing upstream; what the answer cost when it was made is what it saved.
  let usage = context.usage ?? (hit ? cachedUsageOf(context) : undefined);
  const partial = (context as unknown as { partialOutput?: PartialOutput }).partialOutput;
  const usageEstimated = !usage && !hit && context.served !== undefined && partial !== undefined;
  if (usageEstimated) usage = estimateUsage(context, partial);
  const usageCost = hit
    ? savedCostOf(context, options.prices)
    : costOfContext(context, usage, options.prices);
  // A hit names the deployment whose answer it replayed (no provider was called).
  const served = context.served ?? (hit ? savedDeploymentOf(context) : undefined);
  const upstreamMs = context.upstreamMs;
  let promptText: string | null = null;
  let responseText: string | null = null;
  if (options.contentMaxBytes !== undefined) {
    const prompt = context.chatRequest?.messages ?? context.embeddingsRequest?.input;
    if (prompt !== undefined) {
      promptText = truncateUtf8(JSON.stringify(prompt), options.contentMaxBytes);
    }
    if (options.responseText !== undefined) {
      responseText = truncateUtf8(options.responseText, options.contentMaxBytes);
    }
  }
  return {
    time: isoTime(context.startedAt),
    requestId: context.requestId,
    keyId: readKeyId(context),
    user: context.metadata.user ?? readKeyUser(context),
    session: context.metadata.session ?? null,
    feature: context.metadata.feature ?? null,
    region: context.metadata.region ?? served?.region ?? null,
    surface: context.surface.name,
    operation: context.operation,
    requestedModel:
      context.route?.alias ??
      context.chatRequest?.model ??
      context.embeddingsRequest?.model ??
      (typeof context.body.model === 'string' ? context.body.model.slice(0, 256) : null),
    routedModel: served?.model ?? null,
    provider: served?.provider ?? null,
    deployment: served?.id ?? null,
    routeReason: context.route?.reason ?? null,
    attempts: context.attempts.map(traceAttempt),
    cacheStatus,
    inputTokens: usage?.input.total ?? 0,
    cachedInputTokens: usage?.input.cacheRead ?? 0,
    cacheWriteTokens: usage?.input.cacheWrite ?? 0,
    outputTokens: usage?.output.total ?? 0,
    reasoningTokens: usage?.output.reasoning ?? 0,
    usageEstimated,
    ttftMs: context.ttftMs === undefined ? null : round(context.ttftMs),
    totalMs: round(event.durationMs),
    upstreamMs: round(upstreamMs),
    overheadMs: round(Math.max(0, event.durationMs - upstreamMs)),
    costUsd: hit ? 0 : usageCost,
    cacheSavedUsd: hit ? usageCost : null,
    status: event.status,
    errorCode: context.error?.code ?? null,
    errorClass: context.error ? errorClassOf(context) : null,
    finishReason: context.finishReason?.unified ?? null,
    streamed: context.streamed,
    aborted: event.aborted,
    promptText,
    responseText,
  };
}
