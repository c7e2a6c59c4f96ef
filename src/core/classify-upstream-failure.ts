// The one place upstream failures are classified: from HTTP status and body, or from the
// transport error's `code` (undici and Node socket codes; matched on `code`, not `instanceof`).

import type { UpstreamErrorKind } from './gateway-error.js';

/** Kind for an HTTP error status. `bodyText` lets providers spot content-policy refusals. */
export function classifyUpstreamStatus(status: number, bodyText = ''): UpstreamErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  if (/content[_ ]policy|content_filter|safety/i.test(bodyText)) return 'content_policy';
  return 'client';
}

const connectCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT',
]);
const resetCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Kind for a thrown transport error, or undefined when it is not one (a bug, say). */
export function classifyTransportError(error: unknown): UpstreamErrorKind | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'ttft_timeout';
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'idle_timeout';
  if (connectCodes.has(code)) return 'connect';
  if (resetCodes.has(code)) return 'reset';
  return undefined;
}

/**
 * `retry-after` in seconds or as an HTTP date, and OpenAI's `retry-after-ms`; undefined when absent
 * or unparseable. `now` is injectable for tests.
 */
export function parseRetryAfterMs(
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): number | undefined {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const milliseconds = first(headers['retry-after-ms']);
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds.trim())) {
    return Math.round(Number(milliseconds));
  }
  const value = first(headers['retry-after'])?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
