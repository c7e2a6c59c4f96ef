// Estimates the tokens a request will use before it is sent: prompt tokens counted with a real BPE
// tokenizer (gpt-tokenizer, o200k_base) plus the output cap. The estimate is reserved, then corrected
// with the real usage, so it need not be exact — only never wildly low.

import { countTokens } from 'gpt-tokenizer';
import type { ChatRequest, EmbeddingsRequest } from '../core/index.js';

// OpenAI's published chat accounting: ~3 tokens of framing per message, 3 to prime the reply.
const perMessageTokens = 3;
const replyPrimingTokens = 3;
// A high-detail image tile budget (85 base + 170 per 512-px tile, 4 tiles): a safe middle.
const imageTokens = 765;

// Counts of recent texts: the same system prompt, tool list or few-shot turns come back on every
// request of an application, and tokenizing them is the costly part of an estimate (~45 ns a
// character). A hit is the tokenizer's own count of an identical text (compared in full), so the
// estimate is exactly what it would be without the memo. Bounded: texts up to 32 Ki characters,
// at most 1,000 entries and 2 Mi characters in all.
const memoMaxTextChars = 32_768;
const memoMaxEntries = 1_000;
const memoMaxTotalChars = 2_097_152;

interface MemoEntry {
  text: string;
  slot: number;
  tokens: number;
  /** When it was last moved to the young end of the map (in insertions). */
  placedAt: number;
}

// Keyed by a fingerprint of the text, not the text: a Map keyed by a fresh string (every request's
// body is parsed anew) hashes all of it (~1.5 ns a character, 3 µs for a 2 KB system prompt),
// while comparing it with the stored text runs at memory speed. Texts with the same fingerprint
// share a slot: a collision is only a miss.
const memo = new Map<number, MemoEntry>();
let memoChars = 0;
let memoInsertions = 0;

/** Length and up to ~64 characters spread over the text (all of a short one). */
function fingerprint(text: string): number {
  const length = text.length;
  const step = length > 64 ? Math.floor(length / 64) : 1;
  let hash = length;
  for (let index = 0; index < length; index += step) {
    hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  }
  return (Math.imul(hash, 31) + text.charCodeAt(length - 1)) | 0;
}

function place(entry: MemoEntry): void {
  entry.placedAt = memoInsertions++;
  memo.set(entry.slot, entry);
}

function textTokens(text: string): number {
  const length = text.length;
  if (length === 0) return 0;
  if (length > memoMaxTextChars) return countTokens(text);
  const slot = fingerprint(text);
  const known = memo.get(slot);
  if (known !== undefined && known.text === text) {
    // Near-LRU without reordering on every hit: an entry is moved to the young end only once it
    // has aged past half the map, so a text used at least that often is never evicted.
    if (memoInsertions - known.placedAt > memoMaxEntries / 2) {
      memo.delete(slot);
      place(known);
    }
    return known.tokens;
  }
  const tokens = countTokens(text);
  if (known !== undefined) {
    memo.delete(slot);
    memoChars -= known.text.length;
  }
  memoChars += length;
  place({ text, slot, tokens, placedAt: 0 });
  while (memo.size > memoMaxEntries || memoChars > memoMaxTotalChars) {
    const oldest = memo.values().next().value;
    if (oldest === undefined) break;
    memo.delete(oldest.slot);
    memoChars -= oldest.text.length;
  }
  return tokens;
}

export function countPromptTokens(request: ChatRequest): number {
  let total = replyPrimingTokens;
  for (const message of request.messages) {
    total += perMessageTokens;
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          total += textTokens(part.text);
          break;
        case 'image':
          total += imageTokens;
          break;
        case 'tool-call':
          total += textTokens(part.name) + textTokens(part.arguments);
          break;
        case 'tool-result':
          if (typeof part.content === 'string') total += textTokens(part.content);
          else
            for (const inner of part.content)
              total += inner.type === 'text' ? textTokens(inner.text) : imageTokens;
          break;
        case 'opaque':
          total += textTokens(JSON.stringify(part.value));
          break;
      }
    }
  }
  if (request.tools && request.tools.length > 0) total += textTokens(JSON.stringify(request.tools));
  return total;
}

export function countEmbeddingsTokens(request: EmbeddingsRequest): number {
  const input = request.input;
  if (typeof input === 'string') return textTokens(input);
  let total = 0;
  for (const item of input) {
    if (typeof item === 'string') total += textTokens(item);
    else if (typeof item === 'number') total += 1;
    else total += item.length;
  }
  return total;
}

export interface TokenEstimate {
  inputTokens: number;
  outputTokens: number;
}

/** The reservation for a request: prompt tokens + max output (the request's, else a default). */
export function estimateRequestTokens(
  request: { chat?: ChatRequest | undefined; embeddings?: EmbeddingsRequest | undefined },
  defaultMaxOutputTokens: number,
): TokenEstimate {
  if (request.chat) {
    return {
      inputTokens: countPromptTokens(request.chat),
      outputTokens: request.chat.maxOutputTokens ?? defaultMaxOutputTokens,
    };
  }
  if (request.embeddings) {
    return { inputTokens: countEmbeddingsTokens(request.embeddings), outputTokens: 0 };
  }
  return { inputTokens: 0, outputTokens: 0 };
}
