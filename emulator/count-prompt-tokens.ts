// The emulator's deterministic token rule for prompts (documented in README.md).
//
// Each segment — the tools JSON (if any), then every system prompt and message as flattened text —
// costs 4 tokens of framing plus ceil(chars / 4). The canonical string below has exactly 4 chars per
// token (a 16-char role header, then the text padded with NULs to a multiple of 4), so the prefix
// cache can cut it into 16-token blocks of 64 chars.
import type { Conversation } from './conversation.js';

const HEADER_CHARS = 16;
const HEADER_PAD = '\u0002'.repeat(HEADER_CHARS);
const TEXT_PAD = ['', '\u0000\u0000\u0000', '\u0000\u0000', '\u0000'];

export interface PromptTokens {
  count: number;
  /** 4 chars per token; see the file comment. */
  canonical: string;
}

export function countPromptTokens(conversation: Conversation): PromptTokens {
  let canonical = '';
  if (conversation.toolsText) canonical += segment('tools', conversation.toolsText);
  for (const message of conversation.messages) canonical += segment(message.role, message.text);
  return { count: canonical.length / 4, canonical };
}

/** Tokens of plain text (embeddings, count rules elsewhere): ceil(chars / 4). */
export function countTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function segment(role: string, text: string): string {
  return (role + HEADER_PAD).slice(0, HEADER_CHARS) + text + (TEXT_PAD[text.length % 4] ?? '');
}
