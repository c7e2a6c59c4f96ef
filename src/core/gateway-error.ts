// The one error type of the gateway; UpstreamError adds what a provider failure needs for fallback.

import { errorCodes, type ErrorCode } from './error-codes.js';

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Overrides the code's default HTTP status (e.g. an upstream 422 passed on). */
  status?: number;
  /** The request field at fault (OpenAI `param`). */
  param?: string;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  override readonly name: string = 'GatewayError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Extra response headers (retry-after, x-should-retry, rate-limit headers). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? errorCodes[code].status;
    this.param = options.param;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

/**
 * What went wrong upstream. `timeout` is the attempt's total timeout (or the request deadline),
 * `ttft_timeout` no first event in time, `idle_timeout` too long a silence mid-body,
 * `connect_timeout` no TCP/TLS connection in time; `quota_exceeded` is a 429 that waiting will
 * not clear (billing, spend limit): worth another deployment, not a retry of this one.
 */
export type UpstreamErrorKind =
  | 'timeout'
  | 'ttft_timeout'
  | 'idle_timeout'
  | 'connect_timeout'
  | 'connect'
  | 'reset'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'overloaded'
  | 'server'
  | 'client'
  | 'content_policy'
  | 'truncated_stream'
  | 'malformed';

const retryableKinds: ReadonlySet<UpstreamErrorKind> = new Set([
  'timeout',
  'ttft_timeout',
  'idle_timeout',
  'connect_timeout',
  'connect',
  'reset',
  'rate_limited',
  'quota_exceeded',
  'overloaded',
  'server',
  'truncated_stream',
  'malformed',
]);

export interface UpstreamErrorOptions extends GatewayErrorOptions {
  provider: string;
  deployment: string;
  kind: UpstreamErrorKind;
  upstreamStatus?: number;
  retryAfterMs?: number;
  /** A short, redacted excerpt of the upstream body for logs and traces. */
  bodyExcerpt?: string;
}

const codeForKind: Record<UpstreamErrorKind, ErrorCode> = {
  timeout: 'upstream_timeout',
  ttft_timeout: 'upstream_timeout',
  idle_timeout: 'upstream_timeout',
  connect_timeout: 'upstream_timeout',
  connect: 'upstream_error',
  reset: 'upstream_error',
  rate_limited: 'upstream_rate_limited',
  quota_exceeded: 'upstream_rate_limited',
  overloaded: 'upstream_overloaded',
  server: 'upstream_error',
  client: 'upstream_client_error',
  content_policy: 'upstream_client_error',
  truncated_stream: 'truncated_stream',
  malformed: 'upstream_error',
};

export class UpstreamError extends GatewayError {
  override readonly name: string = 'UpstreamError';
  readonly provider: string;
  readonly deployment: string;
  readonly kind: UpstreamErrorKind;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly bodyExcerpt: string | undefined;

  constructor(message: string, options: UpstreamErrorOptions) {
    super(codeForKind[options.kind], message, options);
    this.provider = options.provider;
    this.deployment = options.deployment;
    this.kind = options.kind;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.bodyExcerpt = options.bodyExcerpt;
  }

  /**
   * Whether another deployment may succeed (fall back). Client errors are final. Whether the same
   * deployment is retried is the retry policy's call (src/resilience/retry-policy.ts).
   */
  get retryable(): boolean {
    return retryableKinds.has(this.kind);
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

export function isUpstreamError(value: unknown): value is UpstreamError {
  return value instanceof UpstreamError;
}
