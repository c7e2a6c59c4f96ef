// Anthropic usage → internal usage. Anthropic's `input_tokens` EXCLUDES `cache_read_input_tokens`
// and `cache_creation_input_tokens`: the three are disjoint, and their sum is the whole prompt.
// `output_tokens` includes thinking (`output_tokens_details.thinking_tokens`).
// Reference: https://docs.anthropic.com/en/api/messages#response-usage

import { createUsage, type Usage } from '../../core/index.js';
import type { AnthropicUsage } from './anthropic-api.js';

export function convertAnthropicUsage(usage: AnthropicUsage | null | undefined): Usage {
  return createUsage({
    inputNoCache: usage?.input_tokens ?? 0,
    cacheRead: usage?.cache_read_input_tokens ?? 0,
    cacheWrite: usage?.cache_creation_input_tokens ?? 0,
    outputTotal: usage?.output_tokens ?? 0,
    reasoning: usage?.output_tokens_details?.thinking_tokens ?? 0,
  });
}

/**
 * Streams: `message_start` carries the input counts; each `message_delta` carries CUMULATIVE
 * counts, any of which may be null or absent. A non-null value replaces what we had (never add).
 */
export function mergeAnthropicUsage(
  current: AnthropicUsage,
  update: AnthropicUsage | null | undefined,
): AnthropicUsage {
  if (!update) return current;
  const merged: AnthropicUsage = { ...current };
  for (const key of [
    'input_tokens',
    'output_tokens',
    'cache_creation_input_tokens',
    'cache_read_input_tokens',
    'output_tokens_details',
  ] as const) {
    const value = update[key];
    if (value !== null && value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
