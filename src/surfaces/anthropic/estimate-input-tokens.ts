// An estimate of a request's prompt tokens with gpt-tokenizer (o200k_base), for the one place the
// Anthropic surface needs input tokens before the upstream reported them: `message_start` of a
// stream translated from an OpenAI-style backend (which reports usage only at the end), and
// count_tokens for such backends. Not the backend's tokenizer: an estimate, documented as such.

import { countTokens } from 'gpt-tokenizer';
import type { ChatRequest } from '../../core/index.js';

/** Per message framing, as in OpenAI's chat format accounting (about 3-4 tokens a message). */
const TOKENS_PER_MESSAGE = 4;

export function estimateInputTokens(request: ChatRequest): number {
  let text = '';
  let framing = 0;
  for (const message of request.messages) {
    framing += TOKENS_PER_MESSAGE;
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          text += part.text + '\n';
          break;
        case 'tool-call':
          text += `${part.name} ${part.arguments}\n`;
          break;
        case 'tool-result':
          text +=
            typeof part.content === 'string'
              ? part.content
              : part.content.map((item) => (item.type === 'text' ? item.text : '')).join('');
          text += '\n';
          break;
        case 'image':
        case 'opaque':
          break;
      }
    }
  }
  if (request.tools) text += JSON.stringify(request.tools);
  return countTokens(text) + framing;
}
