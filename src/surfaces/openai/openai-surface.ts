// The OpenAI API surface: /v1/chat/completions and /v1/embeddings in OpenAI's wire format.

import type { Surface } from '../../core/index.js';
import { decodeOpenAIChatRequest } from './decode-openai-chat-request.js';
import { decodeOpenAIEmbeddingsRequest } from './decode-openai-embeddings-request.js';
import { encodeOpenAIChatResponse } from './encode-openai-chat-response.js';
import { renderOpenAIError } from './openai-error.js';
import { OpenAIStreamEncoder } from './openai-stream-encoder.js';

export const openAISurface: Surface = {
  name: 'openai',
  wireFormat: 'openai-chat',
  decodeChat: decodeOpenAIChatRequest,
  decodeEmbeddings: decodeOpenAIEmbeddingsRequest,
  encodeChat: (response, raw) => raw ?? encodeOpenAIChatResponse(response),
  createStreamEncoder: ({ request, requestId, passthrough }) =>
    new OpenAIStreamEncoder({
      includeUsage: request.includeUsage,
      fallbackId: `chatcmpl-${requestId}`,
      model: request.model,
      passthrough,
    }),
  renderError: renderOpenAIError,
};
