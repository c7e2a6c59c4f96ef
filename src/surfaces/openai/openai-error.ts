// Renders a GatewayError in OpenAI's error shape: {"error":{"message","type","param","code"}}.
// Shape: https://platform.openai.com/docs/guides/error-codes

import { errorCodes, type GatewayError } from '../../core/index.js';

export function renderOpenAIError(error: GatewayError): Record<string, unknown> {
  return {
    error: {
      message: error.message,
      type: errorCodes[error.code].openaiType,
      param: error.param ?? null,
      code: error.code,
    },
  };
}
