// Bedrock errors → UpstreamError: HTTP errors (restJson1), exception frames inside ConverseStream,
// and transport failures.
// Exceptions and statuses: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
// and https://docs.aws.amazon.com/bedrock/latest/userguide/troubleshooting-api-error-codes.html
// The code is read from `x-amzn-errortype` (text after ':' stripped), else `__type`/`code` in the
// body; the message from `message`/`Message` (the AWS SDKs' parseJsonError does the same).

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

/** Kind per exception name; anything else falls back to the HTTP status. */
const kindForException: Record<string, UpstreamErrorKind> = {
  ThrottlingException: 'rate_limited',
  // A quota of this account: another deployment (another account or provider) may still serve.
  ServiceQuotaExceededException: 'rate_limited',
  ServiceUnavailableException: 'overloaded',
  // The AWS SDK retries it itself ("not ready to serve inference requests"), status 429.
  ModelNotReadyException: 'overloaded',
  InternalServerException: 'server',
  InternalFailure: 'server',
  ModelErrorException: 'server',
  ModelStreamErrorException: 'server',
  ModelTimeoutException: 'timeout',
  ValidationException: 'client',
  AccessDeniedException: 'client',
  ResourceNotFoundException: 'client',
  ConflictException: 'client',
  // Authentication problems are final: a wrong secret does not get better on retry.
  InvalidSignatureException: 'client',
  IncompleteSignature: 'client',
  IncompleteSignatureException: 'client',
  UnrecognizedClientException: 'client',
  ExpiredTokenException: 'client',
  RequestExpired: 'client',
  MissingAuthenticationTokenException: 'client',
};

function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The exception name without namespace or suffix: "aws.x#ThrottlingException:http://…" → "ThrottlingException". */
export function normalizeExceptionName(raw: string): string {
  const withoutSuffix = raw.split(':')[0] ?? raw;
  const withoutNamespace = withoutSuffix.split('#').pop() ?? withoutSuffix;
  const name = withoutNamespace.trim();
  // Event-stream frames spell it in camelCase (`:exception-type: throttlingException`).
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function parseBody(bodyText: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(bodyText) as Record<string, unknown>;
    const code = parsed.__type ?? parsed.code;
    const message = parsed.message ?? parsed.Message;
    return {
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  } catch {
    return {};
  }
}

export function createBedrockHttpError(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
  origin: Origin,
): UpstreamError {
  const body = parseBody(bodyText);
  const rawCode = header(headers, 'x-amzn-errortype') ?? body.code;
  const exception = rawCode ? normalizeExceptionName(rawCode) : undefined;
  const kind =
    (exception !== undefined ? kindForException[exception] : undefined) ??
    classifyUpstreamStatus(status, bodyText);
  const upstreamMessage = body.message ?? (redactExcerpt(bodyText) || `HTTP ${status}`);
  const retryAfterMs = parseRetryAfterMs(headers);
  return new UpstreamError(
    `${origin.provider} returned ${status}${exception ? ` ${exception}` : ''}: ${upstreamMessage}`,
    {
      ...origin,
      kind,
      upstreamStatus: status,
      // Client errors keep Bedrock's status (400 validation, 403 access denied, 404 not found).
      ...(kind === 'client' || kind === 'content_policy' ? { status } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      bodyExcerpt: redactExcerpt(bodyText),
      details: { exception: exception ?? null },
    },
  );
}

/**
 * An exception frame inside a ConverseStream body: `:message-type: exception` with
 * `:exception-type` (modeled), or `:message-type: error` with `:error-code` / `:error-message`.
 */
export function createBedrockStreamError(
  exceptionType: string,
  payloadText: string,
  origin: Origin,
): UpstreamError {
  const exception = normalizeExceptionName(exceptionType);
  const body = parseBody(payloadText);
  const kind = kindForException[exception] ?? 'server';
  return new UpstreamError(
    `${origin.provider} failed mid-stream with ${exception}: ${body.message ?? (redactExcerpt(payloadText) || 'no message')}`,
    {
      ...origin,
      kind,
      bodyExcerpt: redactExcerpt(payloadText),
      details: { exception },
    },
  );
}

/** Transport failures are classified alike for every provider. */
export const createBedrockTransportError = createTransportError;
