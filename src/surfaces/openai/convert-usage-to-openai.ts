// Internal usage → OpenAI `usage` (prompt_tokens includes cached tokens, as OpenAI reports them).

import type { Usage } from '../../core/index.js';

export function convertUsageToOpenAI(usage: Usage): Record<string, unknown> {
  const promptDetails: Record<string, number> = { cached_tokens: usage.input.cacheRead };
  if (usage.input.cacheWrite > 0) promptDetails.cache_write_tokens = usage.input.cacheWrite;
  return {
    prompt_tokens: usage.input.total,
    completion_tokens: usage.output.total,
    total_tokens: usage.input.total + usage.output.total,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: usage.output.reasoning },
  };
}
