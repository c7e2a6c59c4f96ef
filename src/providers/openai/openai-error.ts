// OpenAI (and OpenAI-style) error responses → UpstreamError, with retry-after and a redacted excerpt.
// Error shape and statuses: https://platform.openai.com/docs/guides/error-codes

import {
  UpstreamError,
  classifyTransportError,
  classifyUpstreamStatus,
  parseRetryAfterMs,
  type UpstreamErrorKind,
} from '../../core/index.js';
import { redactExcerpt } from '../shared/redact-excerpt.js';

interface Origin {
  provider: string;
  deployment: string;
}

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

/** A thrown transport error (connect, reset, undici timeouts) or an abort → UpstreamError. */
export function createOpenAITransportError(
  error: unknown,
  origin: Origin,
  signal: AbortSignal,
): UpstreamError {
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  const kind = classifyTransportError(error) ?? 'connect';
  const code = (error as { code?: string }).code;
  return new UpstreamError(
    `${origin.provider} request failed (${code ?? (error as Error).name}): ${(error as Error).message}`,
    { ...origin, kind, cause: error },
  );
}
