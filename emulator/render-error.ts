// Error bodies in each provider's shape, with the type/code each status usually carries.
// OpenAI: https://platform.openai.com/docs/guides/error-codes ({"error":{message,type,param,code}})
// vLLM: vllm/entrypoints/openai/protocol.py ErrorResponse/ErrorInfo (code = integer HTTP status)
// Anthropic: https://docs.anthropic.com/en/api/errors ({"type":"error","error":{type,message},request_id})
import { STATUS_CODES } from 'node:http';
import { renderBedrockError } from './bedrock-errors.js';
import type { EmulatorKind } from './types.js';

export interface ErrorSpec {
  status: number;
  message?: string;
  /** Overrides the default type (OpenAI: type and code). */
  type?: string;
  param?: string | null;
  /** OpenAI only: error.code. */
  code?: string | null;
}

export interface RenderErrorOptions {
  kind: EmulatorKind;
  vllmErrorShape: 'nested' | 'flat';
  requestId: string;
}

const OPENAI_DEFAULTS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Bad request.' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided.',
  },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Forbidden.',
  },
  404: { type: 'invalid_request_error', code: null, message: 'Not found.' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again in 1s.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later.',
  },
};

const VLLM_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  429: 'TooManyRequestsError',
  500: 'InternalServerError',
  501: 'NotImplementedError',
  503: 'ServiceUnavailableError',
};

const ANTHROPIC_DEFAULTS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Billing error.' },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  404: { type: 'not_found_error', message: 'Not found.' },
  413: {
    type: 'request_too_large',
    message: 'Request exceeds the maximum allowed number of bytes.',
  },
  429: {
    type: 'rate_limit_error',
    message: 'Number of requests has exceeded your per-minute rate limit.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out.' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

/** The JSON text of an error body for `spec` in the emulator kind's shape. */
export function renderError(spec: ErrorSpec, options: RenderErrorOptions): string {
  switch (options.kind) {
    case 'openai':
      return JSON.stringify({ error: openaiError(spec) });
    case 'vllm':
      return renderVllmError(spec, options.vllmErrorShape);
    case 'anthropic':
      return JSON.stringify({
        type: 'error',
        error: anthropicError(spec),
        request_id: options.requestId,
      });
    case 'bedrock':
      return renderBedrockError(spec);
  }
}

/** The inner `error` object used by OpenAI, also for in-band stream errors. */
export function openaiError(spec: ErrorSpec): {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
} {
  const fallback = OPENAI_DEFAULTS[spec.status] ??
    (spec.status >= 500 ? OPENAI_DEFAULTS[500] : OPENAI_DEFAULTS[400]) ?? {
      type: 'server_error',
      code: null,
      message: 'Error.',
    };
  return {
    message: spec.message ?? fallback.message,
    type: spec.type ?? fallback.type,
    param: spec.param ?? null,
    code: spec.code !== undefined ? spec.code : (spec.type ?? fallback.code),
  };
}

/** vLLM's ErrorInfo: `type` is an exception class name, `code` the integer status. */
export function vllmErrorInfo(spec: ErrorSpec): {
  message: string;
  type: string;
  param: string | null;
  code: number;
} {
  const type =
    spec.type ??
    VLLM_TYPES[spec.status] ??
    (spec.status >= 500 ? 'InternalServerError' : 'BadRequestError');
  const message = spec.message ?? STATUS_CODES[spec.status] ?? type;
  return { message, type, param: spec.param ?? null, code: spec.status };
}

function renderVllmError(spec: ErrorSpec, shape: 'nested' | 'flat'): string {
  const info = vllmErrorInfo(spec);
  return JSON.stringify(shape === 'nested' ? { error: info } : { object: 'error', ...info });
}

/** The inner `error` object used by Anthropic, also for `event: error` in streams. */
export function anthropicError(spec: ErrorSpec): { type: string; message: string } {
  const fallback = ANTHROPIC_DEFAULTS[spec.status] ??
    (spec.status >= 500 ? ANTHROPIC_DEFAULTS[500] : ANTHROPIC_DEFAULTS[400]) ?? {
      type: 'api_error',
      message: 'Error.',
    };
  return { type: spec.type ?? fallback.type, message: spec.message ?? fallback.message };
}
