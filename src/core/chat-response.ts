// The internal non-streaming chat response and embeddings response.

import type { ReasoningPart, TextPart, ToolCallPart } from './chat-request.js';
import type { FinishReason } from './finish-reason.js';
import type { Usage } from './usage.js';

export interface ChatResponse {
  id: string;
  /** The model name the upstream reported. */
  model: string;
  created: number;
  content: Array<TextPart | ToolCallPart | ReasoningPart>;
  finishReason: FinishReason;
  usage: Usage;
}

export interface EmbeddingsResponse {
  model: string;
  /** The provider's response body, already in OpenAI's shape. */
  body: Record<string, unknown>;
  usage: Usage;
}
