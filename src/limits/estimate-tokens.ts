// Estimates the tokens a request will use before it is sent: prompt tokens counted with a real BPE
// tokenizer (gpt-tokenizer, o200k_base) plus the output cap. The estimate is reserved, then corrected
// with the real usage, so it need not be exact — only never wildly low.

import { countTokens } from 'gpt-tokenizer';
import type { ChatRequest, EmbeddingsRequest } from '../core/index.js';

// OpenAI's published chat accounting: ~3 tokens of framing per message, 3 to prime the reply.
const perMessageTokens = 3;
const replyPrimingTokens = 3;
// A high-detail image tile budget (85 base + 170 per 512-px tile, 4 tiles): a safe middle.
const imageTokens = 765;

function textTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text);
}

export function countPromptTokens(request: ChatRequest): number {
  let total = replyPrimingTokens;
  for (const message of request.messages) {
    total += perMessageTokens;
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          total += textTokens(part.text);
          break;
        case 'image':
          total += imageTokens;
          break;
        case 'tool-call':
          total += textTokens(part.name) + textTokens(part.arguments);
          break;
        case 'tool-result':
          if (typeof part.content === 'string') total += textTokens(part.content);
          else
            for (const inner of part.content)
              total += inner.type === 'text' ? textTokens(inner.text) : imageTokens;
          break;
        case 'opaque':
          total += textTokens(JSON.stringify(part.value));
          break;
      }
    }
  }
  if (request.tools && request.tools.length > 0) total += textTokens(JSON.stringify(request.tools));
  return total;
}

export function countEmbeddingsTokens(request: EmbeddingsRequest): number {
  const input = request.input;
  if (typeof input === 'string') return textTokens(input);
  let total = 0;
  for (const item of input) {
    if (typeof item === 'string') total += textTokens(item);
    else if (typeof item === 'number') total += 1;
    else total += item.length;
  }
  return total;
}

export interface TokenEstimate {
  inputTokens: number;
  outputTokens: number;
}

/** The reservation for a request: prompt tokens + max output (the request's, else a default). */
export function estimateRequestTokens(
  request: { chat?: ChatRequest | undefined; embeddings?: EmbeddingsRequest | undefined },
  defaultMaxOutputTokens: number,
): TokenEstimate {
  if (request.chat) {
    return {
      inputTokens: countPromptTokens(request.chat),
      outputTokens: request.chat.maxOutputTokens ?? defaultMaxOutputTokens,
    };
  }
  if (request.embeddings) {
    return { inputTokens: countEmbeddingsTokens(request.embeddings), outputTokens: 0 };
  }
  return { inputTokens: 0, outputTokens: 0 };
}
