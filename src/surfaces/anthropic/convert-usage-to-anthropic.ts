// Internal usage → Anthropic `usage`: `input_tokens` EXCLUDES the cache reads and writes, which
// are reported beside it (the reverse of OpenAI's inclusive `prompt_tokens`).

import type { Usage } from '../../core/index.js';

export function convertUsageToAnthropic(usage: Usage): {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
} {
  return {
    input_tokens: usage.input.noCache,
    cache_creation_input_tokens: usage.input.cacheWrite,
    cache_read_input_tokens: usage.input.cacheRead,
    output_tokens: usage.output.total,
  };
}
