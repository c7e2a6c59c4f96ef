// API-key check in each provider's style; returns the 401 error body or undefined when allowed.
// OpenAI: Authorization: Bearer; vLLM --api-key: Bearer, 401 {"error":"Unauthorized"};
// Anthropic: x-api-key (the SDKs also send Authorization: Bearer for auth tokens).
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorContext } from './emulator-context.js';

export function checkAuth(
  headers: IncomingHttpHeaders,
  context: EmulatorContext,
  requestId: string,
): string | undefined {
  const { apiKey, kind } = context.options;
  if (apiKey === undefined) return undefined;
  const authorization = headers.authorization;
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
  switch (kind) {
    case 'vllm':
      return bearer === apiKey ? undefined : JSON.stringify({ error: 'Unauthorized' });
    case 'openai': {
      if (bearer === apiKey) return undefined;
      const message =
        bearer === undefined
          ? "You didn't provide an API key. You need to provide your API key in an Authorization header " +
            'using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).'
          : `Incorrect API key provided: ${redact(bearer)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
      const code = bearer === undefined ? null : 'invalid_api_key';
      return context.renderError({ status: 401, message, code }, requestId);
    }
    case 'anthropic': {
      const headerKey = headers['x-api-key'];
      if (headerKey === apiKey || bearer === apiKey) return undefined;
      const message =
        headerKey === undefined && bearer === undefined
          ? 'x-api-key header is required'
          : 'invalid x-api-key';
      return context.renderError({ status: 401, message }, requestId);
    }
    case 'bedrock':
      // Checked per request by handle-bedrock.ts (SigV4 or a Bedrock API key).
      return undefined;
  }
}

function redact(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 3)}****${key.slice(-4)}`;
}
