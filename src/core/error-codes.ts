// The closed list of gateway error codes and how each renders on both API surfaces.
// A new code without a mapping does not compile; docs/errors.md lists them (a test keeps it in sync).

export type ErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'body_too_large'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'model_not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'model_not_allowed'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'limits_unavailable'
  | 'key_store_unavailable'
  | 'residency_unavailable'
  | 'upstream_client_error'
  | 'upstream_rate_limited'
  | 'upstream_overloaded'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'upstream_unavailable'
  | 'truncated_stream'
  | 'service_draining'
  | 'internal_error';

export interface ErrorCodeMapping {
  status: number;
  openaiType: string;
  anthropicType: string;
  description: string;
}

export const errorCodes: Record<ErrorCode, ErrorCodeMapping> = {
  invalid_json: {
    status: 400,
    openaiType: 'invalid_request_error',
    anthropicType: 'invalid_request_error',
    description: 'The request body is not valid JSON.',
  },
  invalid_request: {
    status: 400,
    openaiType: 'invalid_request_error',
    anthropicType: 'invalid_request_error',
    description: 'A field is missing or has the wrong type or value; the message names it.',
  },
  body_too_large: {
    status: 413,
    openaiType: 'invalid_request_error',
    anthropicType: 'request_too_large',
    description: 'The request body exceeds `server.bodyLimitBytes` (default 4 MiB).',
  },
  route_not_found: {
    status: 404,
    openaiType: 'invalid_request_error',
    anthropicType: 'not_found_error',
    description: 'No such endpoint.',
  },
  method_not_allowed: {
    status: 405,
    openaiType: 'invalid_request_error',
    anthropicType: 'invalid_request_error',
    description: 'The endpoint exists but not for this HTTP method.',
  },
  model_not_found: {
    status: 404,
    openaiType: 'invalid_request_error',
    anthropicType: 'not_found_error',
    description: 'The `model` is not an alias configured on this gateway.',
  },
  unauthorized: {
    status: 401,
    openaiType: 'invalid_request_error',
    anthropicType: 'authentication_error',
    description: 'Missing or invalid gateway key.',
  },
  forbidden: {
    status: 403,
    openaiType: 'invalid_request_error',
    anthropicType: 'permission_error',
    description: 'The key may not perform this operation.',
  },
  model_not_allowed: {
    status: 403,
    openaiType: 'invalid_request_error',
    anthropicType: 'permission_error',
    description: 'The key may not use this model alias.',
  },
  rate_limited: {
    status: 429,
    openaiType: 'rate_limit_error',
    anthropicType: 'rate_limit_error',
    description: 'A token rate limit of the gateway refused the request; see `retry-after`.',
  },
  budget_exceeded: {
    status: 429,
    openaiType: 'insufficient_quota',
    anthropicType: 'rate_limit_error',
    description: 'A daily USD cap would be exceeded; waiting seconds will not help.',
  },
  limits_unavailable: {
    status: 503,
    openaiType: 'server_error',
    anthropicType: 'api_error',
    description:
      'The limit store (Redis) is unreachable and the limit is configured to fail closed (the default for USD caps).',
  },
  key_store_unavailable: {
    status: 503,
    openaiType: 'server_error',
    anthropicType: 'api_error',
    description:
      'The key database is unreachable and the presented key is not in the short-lived key cache.',
  },
  residency_unavailable: {
    status: 503,
    openaiType: 'server_error',
    anthropicType: 'api_error',
    description: 'No deployment in the request region may serve it under strict residency.',
  },
  upstream_client_error: {
    status: 400,
    openaiType: 'invalid_request_error',
    anthropicType: 'invalid_request_error',
    description:
      'The provider refused the request as invalid; its status and message are passed on.',
  },
  upstream_rate_limited: {
    status: 429,
    openaiType: 'rate_limit_error',
    anthropicType: 'rate_limit_error',
    description: 'The provider rate-limited the request and no other deployment could serve it.',
  },
  upstream_overloaded: {
    status: 503,
    openaiType: 'server_error',
    anthropicType: 'overloaded_error',
    description: 'The provider is overloaded (Anthropic 529, OpenAI 503).',
  },
  upstream_error: {
    status: 502,
    openaiType: 'server_error',
    anthropicType: 'api_error',
    description: 'The provider failed (5xx, connection error, malformed response).',
  },
  upstream_timeout: {
    status: 504,
    openaiType: 'server_error',
    anthropicType: 'api_error',
    description:
      'The provider did not answer in time (connect, first token, idle or total timeout).',
  },
  upstream_unavailable: {
    status: 503,
    openaiType: 'server_error',
    anthropicType: 'api_error',
    description: 'Every deployment of the model failed; the message lists each attempt.',
  },
  truncated_stream: {
    status: 502,
    openaiType: 'server_error',
    anthropicType: 'api_error',
    description: 'The provider stream ended without a finish reason.',
  },
  service_draining: {
    status: 503,
    openaiType: 'server_error',
    anthropicType: 'overloaded_error',
    description: 'The gateway is shutting down and takes no new requests.',
  },
  internal_error: {
    status: 500,
    openaiType: 'server_error',
    anthropicType: 'api_error',
    description: 'An unexpected gateway failure; the log has the details under the request id.',
  },
};
