// The Anthropic API surface: /v1/messages (and count_tokens) in Anthropic's wire format.

import type { Surface } from '../../core/index.js';
import { renderAnthropicError } from './anthropic-error.js';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';
import { decodeAnthropicMessagesRequest } from './decode-anthropic-messages-request.js';
import { encodeAnthropicMessageResponse } from './encode-anthropic-message-response.js';

export const anthropicSurface: Surface = {
  name: 'anthropic',
  wireFormat: 'anthropic-messages',
  decodeChat: (body) => decodeAnthropicMessagesRequest(body),
  decodeCountTokens: (body) => decodeAnthropicMessagesRequest(body, { forCountTokens: true }),
  encodeChat: (response, raw, requestId) =>
    raw ?? encodeAnthropicMessageResponse(response, requestId),
  createStreamEncoder: ({ request, requestId, passthrough }) =>
    new AnthropicStreamEncoder({
      requestId,
      model: request.model,
      passthrough,
      ...(passthrough ? {} : { request }),
    }),
  renderError: renderAnthropicError,
  readApiKey: (headers) => {
    // The current SDKs send `Authorization: Bearer`; older ones and curl users `x-api-key`.
    const key = headers['x-api-key'];
    if (typeof key === 'string' && key !== '') return key;
    const authorization = headers.authorization;
    if (typeof authorization === 'string' && /^Bearer\s+/i.test(authorization)) {
      return authorization.replace(/^Bearer\s+/i, '');
    }
    return undefined;
  },
};
