// What the semantic cache compares: the last user turn (embedded) and everything before it plus the
// parameters (hashed; must match exactly).

import type { ChatRequest } from '../../core/index.js';
import { answerDefiningFields, canonicalJson, sha256Hex } from '../canonical-request.js';

export interface SemanticPrompt {
  /** The last user turn's text. */
  text: string;
  /** SHA-256 of the request without its last turn: system prompt, earlier turns, parameters. */
  contextHash: string;
}

/**
 * Undefined when the request is not a candidate: the last message is not a plain-text user turn,
 * or the request offers tools (a tool call depends on more than the wording).
 */
export function semanticPromptOf(request: ChatRequest): SemanticPrompt | undefined {
  const last = request.messages.at(-1);
  if (!last || last.role !== 'user') return undefined;
  if (request.tools !== undefined && request.tools.length > 0) return undefined;
  let text = '';
  for (const part of last.content) {
    if (part.type !== 'text') return undefined;
    text += (text ? '\n' : '') + part.text;
  }
  if (text.trim() === '') return undefined;
  const earlier = request.messages.slice(0, -1);
  const userName = last.name;
  return {
    text,
    contextHash: sha256Hex(
      canonicalJson({ ...answerDefiningFields(request, earlier), lastUserName: userName }),
    ),
  };
}
