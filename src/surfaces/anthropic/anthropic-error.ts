// Renders a GatewayError in Anthropic's error shape: {"type":"error","error":{"type","message"}}.
// Shape and types: https://docs.anthropic.com/en/api/errors

import { errorCodes, type GatewayError } from '../../core/index.js';

/** Anthropic's error types by HTTP status, for errors passed on from a provider with its status. */
const typeForStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(error: GatewayError): string {
  if (error.code === 'upstream_client_error') {
    return typeForStatus[error.status] ?? 'invalid_request_error';
  }
  return errorCodes[error.code].anthropicType;
}

export function renderAnthropicError(error: GatewayError): Record<string, unknown> {
  return { type: 'error', error: { type: anthropicErrorType(error), message: error.message } };
}
