// Bedrock Converse usage → internal usage.
// Fields: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
//
// Whether `inputTokens` includes the cache fields is not stated by that page ("the number of
// tokens sent in the request"). Practice says it does not: opencode PR #38427 switched to
// "inputTokens as non-cached input, matching AWS prompt-caching semantics" (citing
// docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html); sashiko PR #113 measured
// that it "only reports the uncached, non-cache-write portion"; bifrost PR #1872 notes that it
// excludes both, like Anthropic's `input_tokens`. But bifrost PR #6942 measured OpenAI-family
// models on ConverseStream reporting an inclusive `inputTokens`. So the default is 'exclusive'
// and a provider can be switched to 'inclusive' (`usageInputTokens` in the config).

import { createUsage, type Usage } from '../../core/index.js';
import type { BedrockInputTokensMode, BedrockTokenUsage } from './bedrock-api.js';

export function convertBedrockUsage(
  usage: BedrockTokenUsage | undefined,
  mode: BedrockInputTokensMode = 'exclusive',
): Usage {
  const input = usage?.inputTokens ?? 0;
  const cacheRead = usage?.cacheReadInputTokens ?? 0;
  const cacheWrite = usage?.cacheWriteInputTokens ?? 0;
  return createUsage({
    inputNoCache: mode === 'exclusive' ? input : Math.max(0, input - cacheRead - cacheWrite),
    cacheRead,
    cacheWrite,
    // Bedrock does not break reasoning tokens out of outputTokens.
    outputTotal: usage?.outputTokens ?? 0,
  });
}
