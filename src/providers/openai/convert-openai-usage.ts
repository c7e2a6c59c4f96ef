// OpenAI usage → internal usage. `prompt_tokens` INCLUDES `cached_tokens` (do not add them again);
// vLLM leaves `prompt_tokens_details` null unless started with --enable-prompt-tokens-details.
// Reference: https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage

import { createUsage, type Usage } from '../../core/index.js';
import type { OpenAIUsage } from './openai-api.js';

export function convertOpenAIUsage(usage: OpenAIUsage | null | undefined): Usage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cacheRead = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  return createUsage({
    inputNoCache: Math.max(0, prompt - cacheRead - cacheWrite),
    cacheRead,
    cacheWrite,
    outputTotal: usage?.completion_tokens ?? 0,
    reasoning: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
  });
}
