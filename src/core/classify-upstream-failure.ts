// The one place upstream failures are classified: from HTTP status and body, or from the
// transport error's `code` (undici and Node socket codes; matched on `code`, not `instanceof`).

import type { UpstreamErrorKind } from './gateway-error.js';

// A 429 that names billing, quota or a spend limit will not clear by waiting (OpenAI
// `insufficient_quota`, Anthropic "credit balance" / spend-limit messages).
const quotaPattern = /insufficient_quota|quota|billing|spend(ing)?[ _]limit|credit balance/i;
// Refusals for content reasons: OpenAI `content_policy_violation` / `content_filter`, Azure
// `ResponsibleAIPolicyViolation`, Bedrock guardrails, moderation blocks.
const contentPolicyPattern =
  /content[_ ]?policy|content_filter|ResponsibleAIPolicyViolation|guardrail|moderation|safety/i;

/**
 * Kind for an HTTP error status. `bodyText` tells a quota 429 from a rate limit and spots
 * content-policy refusals. 408 is a timeout, 409 a transient conflict: both retryable, as the
 * official SDKs treat them.
 */
export function classifyUpstreamStatus(status: number, bodyText = ''): UpstreamErrorKind {
  if (status === 429) return quotaPattern.test(bodyText) ? 'quota_exceeded' : 'rate_limited';
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 408) return 'timeout';
  if (status === 409) return 'server';
  if (status >= 500) return 'server';
  if (contentPolicyPattern.test(bodyText)) return 'content_policy';
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
  'ECONNABORTED',
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
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'connect_timeout';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'ttft_timeout';
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'idle_timeout';
  // llhttp parse errors: the upstream did not speak valid HTTP.
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return 'malformed';
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
