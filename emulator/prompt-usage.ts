// Counts a conversation's prompt tokens and cached prefix, and feeds the vLLM-style counters.
import type { Conversation } from './conversation.js';
import { countPromptTokens } from './count-prompt-tokens.js';
import type { EmulatorContext } from './emulator-context.js';

export interface PromptUsage {
  promptTokens: number;
  /** Tokens served from the imitated prefix cache (whole 16-token blocks). */
  cachedTokens: number;
}

export function measurePrompt(context: EmulatorContext, conversation: Conversation): PromptUsage {
  const prompt = countPromptTokens(conversation);
  const cachedTokens = context.options.prefixCaching
    ? context.prefixCache.lookupAndInsert(prompt.canonical, conversation.cacheScope)
    : 0;
  context.counters.promptTokens += prompt.count;
  context.counters.prefixQueries += prompt.count;
  context.counters.prefixHits += cachedTokens;
  return { promptTokens: prompt.count, cachedTokens };
}

/** Records a finished generation for the vLLM counters. */
export function recordGeneration(context: EmulatorContext, tokens: number, reason: string): void {
  context.counters.generationTokens += tokens;
  context.counters.finished[reason] = (context.counters.finished[reason] ?? 0) + 1;
}
