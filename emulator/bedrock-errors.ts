// Bedrock Runtime error replies: exception name per status, body {"message"}, `x-amzn-errortype`.
// Statuses: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
// Auth failures: https://docs.aws.amazon.com/bedrock/latest/userguide/troubleshooting-api-error-codes.html
import type { OutgoingHttpHeaders } from 'node:http';
import type { ErrorSpec } from './render-error.js';

const BY_STATUS: Record<number, { type: string; message: string }> = {
  400: {
    type: 'ValidationException',
    message: 'Malformed input request, please reformat your input and try again.',
  },
  403: {
    type: 'AccessDeniedException',
    message: "You don't have access to the model with the specified model ID.",
  },
  404: { type: 'ResourceNotFoundException', message: 'The specified resource was not found.' },
  408: { type: 'ModelTimeoutException', message: 'Model has timed out in processing the request.' },
  424: { type: 'ModelErrorException', message: 'The model failed to process the request.' },
  429: {
    type: 'ThrottlingException',
    message: 'Too many requests, please wait before trying again.',
  },
  500: { type: 'InternalServerException', message: 'The server encountered an internal error.' },
  503: {
    type: 'ServiceUnavailableException',
    message: 'Bedrock is unable to process your request.',
  },
};

/** Exception name and message for a status (or the fault's `errorType`), e.g. 429 → ThrottlingException. */
export function bedrockException(spec: ErrorSpec): { type: string; message: string } {
  const fallback = BY_STATUS[spec.status] ??
    (spec.status >= 500 ? BY_STATUS[503] : BY_STATUS[400]) ?? {
      type: 'InternalServerException',
      message: 'Error.',
    };
  const type = spec.type ? spec.type.charAt(0).toUpperCase() + spec.type.slice(1) : fallback.type;
  // An overridden type keeps its own usual message (a throttling frame says it throttles).
  const known = Object.values(BY_STATUS).find((entry) => entry.type === type);
  return { type, message: spec.message ?? known?.message ?? fallback.message };
}

export function renderBedrockError(spec: ErrorSpec): string {
  return JSON.stringify({ message: bedrockException(spec).message });
}

/**
 * The restJson1 error header. Service exceptions carry the coral namespace suffix (clients strip
 * everything after ':'); authentication errors come from the front end without it.
 */
export function bedrockErrorHeaders(spec: ErrorSpec): OutgoingHttpHeaders {
  const { type } = bedrockException(spec);
  const plain = /Signature|UnrecognizedClient|MissingAuthentication|ExpiredToken/.test(type);
  return {
    'x-amzn-errortype': plain
      ? type
      : `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  };
}
