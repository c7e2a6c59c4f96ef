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

/**
 * Calls `visit` with every text of the prompt that is counted with the tokenizer (message texts,
 * tool calls and results, opaque parts as JSON, the tool list as JSON) and returns the tokens
 * counted without it (framing, images).
 */
function visitPromptTexts(request: ChatRequest, visit: (text: string) => void): number {
  let fixed = replyPrimingTokens;
  for (const message of request.messages) {
    fixed += perMessageTokens;
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          visit(part.text);
          break;
        case 'image':
          fixed += imageTokens;
          break;
        case 'tool-call':
          visit(part.name);
          visit(part.arguments);
          break;
        case 'tool-result':
          if (typeof part.content === 'string') visit(part.content);
          else
            for (const inner of part.content) {
              if (inner.type === 'text') visit(inner.text);
              else fixed += imageTokens;
            }
          break;
        case 'opaque':
          visit(JSON.stringify(part.value));
          break;
      }
    }
  }
  if (request.tools && request.tools.length > 0) visit(JSON.stringify(request.tools));
  return fixed;
}

export function countPromptTokens(request: ChatRequest): number {
  let counted = 0;
  const fixed = visitPromptTexts(request, (text) => {
    counted += textTokens(text);
  });
  return fixed + counted;
}

/**
 * Texts longer than this are counted a slice at a time with the event loop free in between
 * (countPromptTokensInSlices): the tokenizer takes ~30-50 ns a character, so a 100,000-character
 * prompt (a long retrieved context) held the loop, and every request in the process, for 3-5 ms
 * (up to 12 on cold caches) in one piece.
 */
export const sliceChars = 8_192;

/**
 * countPromptTokens in the same pass as the check for long texts: undefined as soon as the prompt
 * has a text over sliceChars (countPromptTokensInSlices counts that one), so a short prompt, the
 * usual one, is visited once.
 */
export function countShortPromptTokens(request: ChatRequest): number | undefined {
  let counted = 0;
  let long = false;
  const fixed = visitPromptTexts(request, (text) => {
    if (long) return;
    if (text.length > sliceChars) long = true;
    else counted += textTokens(text);
  });
  return long ? undefined : fixed + counted;
}

// A space after a non-space and before a letter: o200k's pre-tokenizer starts a piece there (no
// piece has a space inside it or at its end, only at its start, or is all whitespace), and BPE
// works within pieces, so the token counts of the two sides add up to that of the whole.
const cutBefore = / \p{L}/uy;
const whitespace = /\s/;

/**
 * The text in slices of about `size` characters whose token counts add up to the whole text's,
 * each cut just before a space that begins a word (the first one at or after `size` characters
 * past the last cut). A text with no such place (CJK without spaces, one long token run) stays in
 * one piece from the last cut on.
 */
export function sliceForCounting(text: string, size: number = sliceChars): string[] {
  const slices: string[] = [];
  let start = 0;
  while (text.length - start > size) {
    let cut = -1;
    for (let index = start + size; index < text.length - 1; index += 1) {
      if (text.charCodeAt(index) !== 0x20) continue;
      cutBefore.lastIndex = index;
      if (cutBefore.test(text) && !whitespace.test(text[index - 1]!)) {
        cut = index;
        break;
      }
    }
    if (cut === -1) break;
    slices.push(text.slice(start, cut));
    start = cut;
  }
  slices.push(start === 0 ? text : text.slice(start));
  return slices;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * countPromptTokens for a prompt with long texts: the same count, but each long text is counted a
 * slice at a time, and other requests run between the slices (a long prompt waits a few turns of
 * the event loop instead of stopping it). Short texts are counted (and memoised) as usual.
 */
export async function countPromptTokensInSlices(
  request: ChatRequest,
  yieldTurn: () => Promise<void> = nextTurn,
): Promise<number> {
  const texts: string[] = [];
  let total = visitPromptTexts(request, (text) => texts.push(text));
  for (const text of texts) {
    if (text.length <= sliceChars) {
      total += textTokens(text);
      continue;
    }
    for (const slice of sliceForCounting(text)) {
      await yieldTurn();
      total += countTokens(slice);
    }
  }
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
