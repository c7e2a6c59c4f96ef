// OpenAI (and OpenAI-style) error responses → UpstreamError, with retry-after and a redacted excerpt.
// Error shape and statuses: https://platform.openai.com/docs/guides/error-codes

import {
  UpstreamError,
  classifyUpstreamStatus,
  parseRetryAfterMs,
  type UpstreamErrorKind,
} from '../../core/index.js';
import { createTransportError } from '../shared/create-transport-error.js';
import { redactExcerpt } from '../shared/redact-excerpt.js';
import type { UpstreamOrigin } from '../shared/send-upstream-request.js';

type Origin = UpstreamOrigin;

function messageOf(bodyText: string): string | undefined {
  try {
    const parsed = JSON.parse(bodyText) as Record<string, unknown>;
    const error = parsed.error as Record<string, unknown> | undefined;
    if (error && typeof error.message === 'string') return error.message;
    if (typeof parsed.message === 'string') return parsed.message; // vLLM ErrorResponse
  } catch {
    // not JSON: fall through
  }
  return undefined;
}

export function createOpenAIHttpError(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
  origin: Origin,
): UpstreamError {
  const kind = classifyUpstreamStatus(status, bodyText);
  const upstreamMessage = messageOf(bodyText) ?? (redactExcerpt(bodyText) || `HTTP ${status}`);
  const retryAfterMs = parseRetryAfterMs(headers);
  return new UpstreamError(`${origin.provider} returned ${status}: ${upstreamMessage}`, {
    ...origin,
    kind,
    upstreamStatus: status,
    // A client error is passed on with the provider's own status (400, 404, 422, …).
    ...(kind === 'client' || kind === 'content_policy' ? { status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    bodyExcerpt: redactExcerpt(bodyText),
  });
}

/** An error object sent inside a 200 stream (`data: {"error":{…}}`). */
export function createOpenAIStreamError(error: unknown, origin: Origin): UpstreamError {
  const record = (error ?? {}) as Record<string, unknown>;
  const message = typeof record.message === 'string' ? record.message : 'error inside the stream';
  const type = `${JSON.stringify(record.type ?? '')} ${JSON.stringify(record.code ?? '')}`;
  let kind: UpstreamErrorKind = 'server';
  if (/rate_limit/i.test(type)) kind = 'rate_limited';
  else if (/overload/i.test(type + message)) kind = 'overloaded';
  return new UpstreamError(`${origin.provider} failed mid-stream: ${message}`, {
    ...origin,
    kind,
    bodyExcerpt: redactExcerpt(JSON.stringify(error)),
  });
}

/** Transport failures are classified alike for every provider. */
export const createOpenAITransportError = createTransportError;
