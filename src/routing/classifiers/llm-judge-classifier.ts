// LLM-as-judge classifier: a cheap model alias grades the request's difficulty in one word. On a
// timeout, an error or an answer it cannot read, the built-in feature classifier decides instead
// (and says so in the classification's name).

import type { RequestSignal } from '../../core/index.js';
import { toAbortSignal } from '../../lib/request-abort.js';
import type { Classification, ClassifierInput, ComplexityClassifier } from '../complexity.js';
import type { ComplexityTier } from '../request-shape.js';

/** Sends a system + user prompt to the judge alias and returns the reply text. */
export type CompleteText = (
  prompt: { system: string; user: string },
  signal: RequestSignal,
) => Promise<string>;

export interface LlmJudgeOptions {
  complete: CompleteText;
  timeoutMs: number;
  fallback: ComplexityClassifier;
  /** Characters of the question sent to the judge. */
  maxPromptChars?: number;
}

export const judgeSystemPrompt = [
  'You grade how difficult a request is for an AI assistant, to pick which model answers it.',
  'trivial: greetings, one-line facts, definitions, simple conversions or rewording.',
  'moderate: ordinary writing, explanations, summaries, small code or data tasks.',
  'hard: multi-step reasoning, proofs, non-trivial code or system design, expert analysis.',
  'Answer with exactly one word: trivial, moderate or hard.',
].join('\n');

const answer = /\b(trivial|moderate|hard)\b/;

export function readJudgeAnswer(
  text: string,
): { tier: ComplexityTier; confidence: number } | undefined {
  const normalized = text.trim().toLowerCase();
  const match = answer.exec(normalized);
  if (!match) return undefined;
  const tier = match[1] as ComplexityTier;
  // A bare one-word answer is what was asked for; a sentence around it is less reliable.
  const bare = normalized.replace(/[^a-z]/g, '') === tier;
  return { tier, confidence: bare ? 0.85 : 0.6 };
}

export function createLlmJudgeClassifier(options: LlmJudgeOptions): ComplexityClassifier {
  const maxChars = options.maxPromptChars ?? 4_000;
  const fallBack = async (
    input: ClassifierInput,
    signal: RequestSignal,
    why: string,
  ): Promise<Classification> => {
    const result = await options.fallback.classify(input, signal);
    return { ...result, classifier: `${result.classifier}(judge-${why})` };
  };
  return {
    name: 'llm-judge',
    async classify(input, signal) {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = AbortSignal.any([toAbortSignal(signal), timeout]);
      let text: string;
      try {
        text = await options.complete(
          { system: judgeSystemPrompt, user: input.text.slice(0, maxChars) },
          combined,
        );
      } catch (error) {
        if (signal.aborted) throw error;
        return fallBack(input, signal, timeout.aborted ? 'timeout' : 'error');
      }
      const read = readJudgeAnswer(text);
      if (!read) return fallBack(input, signal, 'unreadable');
      return { ...read, classifier: 'llm-judge' };
    },
  };
}
