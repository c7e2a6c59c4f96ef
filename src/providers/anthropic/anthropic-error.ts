// Anthropic error responses and `event: error` stream events → UpstreamError.
// Shape and statuses: https://docs.anthropic.com/en/api/errors — 429 rate_limit_error,
// 529 overloaded_error, 500 api_error, 504 timeout_error; `retry-after` in seconds on 429/529.

import {
  UpstreamError,
  classifyUpstreamStatus,
  parseRetryAfterMs,
  type UpstreamErrorKind,
} from '../../core/index.js';
import { createTransportError } from '../shared/create-transport-error.js';
import { redactExcerpt } from '../shared/redact-excerpt.js';
import type { UpstreamOrigin } from '../shared/send-upstream-request.js';
import type { AnthropicErrorBody } from './anthropic-api.js';

type Origin = UpstreamOrigin;

function parseErrorBody(bodyText: string): AnthropicErrorBody['error'] | undefined {
  try {
    const parsed = JSON.parse(bodyText) as Partial<AnthropicErrorBody>;
    const error = parsed.error;
    if (error && typeof error === 'object' && typeof error.message === 'string') return error;
  } catch {
    // not JSON (a proxy's HTML page, say): fall through
  }
  return undefined;
}

/** Kind from the Anthropic `error.type`, for bodies and stream events. */
function kindForType(type: string | undefined): UpstreamErrorKind | undefined {
  switch (type) {
    case 'rate_limit_error':
      return 'rate_limited';
    case 'overloaded_error':
      return 'overloaded';
    case 'api_error':
      return 'server';
    case 'timeout_error':
      return 'timeout';
    case undefined:
    default:
      return undefined;
  }
}

export function createAnthropicHttpError(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
  origin: Origin,
): UpstreamError {
  const error = parseErrorBody(bodyText);
  const kind =
    status >= 500 || status === 429 ? classifyUpstreamStatus(status, bodyText) : 'client';
  const message = error?.message ?? (redactExcerpt(bodyText) || `HTTP ${status}`);
  // A 429 for a reached spend limit carries no retry-after and does not clear by waiting.
  const spendLimit = error?.details?.error_code === 'enforced_spend_limit_reached';
  const retryAfterMs = spendLimit ? undefined : parseRetryAfterMs(headers);
  return new UpstreamError(`${origin.provider} returned ${status}: ${message}`, {
    ...origin,
    kind,
    upstreamStatus: status,
    // A client error is passed on with the provider's own status (400, 401, 404, 413, …).
    ...(kind === 'client' ? { status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(error?.details?.error_code !== undefined
      ? { details: { anthropicErrorCode: error.details.error_code } }
      : {}),
    bodyExcerpt: redactExcerpt(bodyText),
  });
}

/** `event: error` after a 200 (e.g. overloaded_error part-way through a stream). */
export function createAnthropicStreamError(
  error: { type?: string; message?: string } | undefined,
  origin: Origin,
): UpstreamError {
  const kind = kindForType(error?.type) ?? 'server';
  const message = typeof error?.message === 'string' ? error.message : 'error inside the stream';
  return new UpstreamError(`${origin.provider} failed mid-stream: ${message}`, {
    ...origin,
    kind,
    bodyExcerpt: redactExcerpt(JSON.stringify(error ?? null)),
  });
}

/** Transport failures are classified alike for every provider. */
export const createAnthropicTransportError = createTransportError;
