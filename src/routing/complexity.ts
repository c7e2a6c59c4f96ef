// The complexity tiers and the interface every classifier implements (built-in features, embedding
// kNN, LLM judge): a tier and how sure the classifier is.

import type { RequestSignal } from '../core/index.js';
import type { ComplexityTier } from './request-shape.js';

export type { ComplexityTier } from './request-shape.js';
export { complexityTiers } from './request-shape.js';

export interface Classification {
  tier: ComplexityTier;
  /** 0..1; below the router's minConfidence the default tier is used instead. */
  confidence: number;
  /** The classifier that decided (`features`, `knn`, `llm-judge`, or `features(judge-timeout)`). */
  classifier: string;
}

export interface ComplexityClassifier {
  readonly name: string;
  classify(
    prompt: ClassifierInput,
    signal: RequestSignal,
  ): Classification | Promise<Classification>;
}

/** What classifiers look at: the current question and a little about the conversation. */
export interface ClassifierInput {
  /** The last user message's text. */
  text: string;
  /** The system prompt's length in characters (0 when none). */
  systemChars: number;
  /** User turns so far, the current one included. */
  userTurns: number;
}
