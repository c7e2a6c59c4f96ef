// Chained block hashes of a chat prompt for prefix affinity: the messages (role + text) are read as
// one character stream cut into fixed-size blocks; block i's hash covers everything up to the end of
// block i (like vLLM's parent-chained KV block hashes), seeded with what scopes vLLM's prefix cache
// (model or LoRA adapter, cache salt). Only full blocks are hashed, as vLLM caches only full blocks.

import type { ChatMessage } from '../core/index.js';

export interface BlockHashOptions {
  /** Characters per block (16 tokens × ~4 characters by default). */
  blockChars: number;
  maxBlocks: number;
}

// Two 32-bit FNV-1a lanes with different offsets, combined into one 53-bit number: collisions only
// cost a mis-routed request, never a wrong answer.
const FNV_PRIME = 0x01000193;

function roleMark(message: ChatMessage): number {
  switch (message.role) {
    case 'system':
      return 1;
    case 'user':
      return 2;
    case 'assistant':
      return 3;
    case 'tool':
      return 4;
  }
}

export interface PromptBlocks {
  /** hashes[i] covers the stream up to the end of block i. */
  hashes: number[];
  /** The character stream that was hashed (up to one block past the last full block). */
  text: string;
}

export function hashPromptBlocks(
  seed: string,
  messages: readonly ChatMessage[],
  options: BlockHashOptions,
): PromptBlocks {
  // First the character stream (role marks and texts, capped one block past the hashed part),
  // then one tight hashing loop over it.
  const textLimit = (options.maxBlocks + 1) * options.blockChars;
  let stream = '';
  const feedText = (text: string): boolean => {
    stream +=
      text.length > textLimit - stream.length ? text.slice(0, textLimit - stream.length) : text;
    return stream.length < textLimit;
  };
  for (const message of messages) {
    if (!feedText(String.fromCharCode(roleMark(message)))) break;
    for (const part of message.content) {
      let text: string;
      switch (part.type) {
        case 'text':
        case 'reasoning':
          text = part.text;
          break;
        case 'tool-call':
          text = part.name + part.arguments;
          break;
        case 'tool-result':
          text =
            typeof part.content === 'string'
              ? part.content
              : part.content.map((item) => (item.type === 'text' ? item.text : '\u0005')).join('');
          break;
        case 'image':
          text = part.source.type === 'url' ? part.source.url : part.source.data.slice(0, 256);
          break;
        case 'opaque':
          text = JSON.stringify(part.value);
          break;
      }
      if (!feedText(text)) break;
    }
  }
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let index = 0; index < seed.length; index++) {
    const code = seed.charCodeAt(index);
    low = Math.imul(low ^ code, FNV_PRIME);
    high = Math.imul(high ^ (code + 0x9e), 0x01000197);
  }
  low = Math.imul(low, FNV_PRIME);
  high = Math.imul(high ^ 0x9e, 0x01000197);
  const hashes: number[] = [];
  const blockChars = options.blockChars;
  const hashedChars = Math.min(stream.length, options.maxBlocks * blockChars);
  let inBlock = 0;
  for (let index = 0; index < hashedChars; index++) {
    const code = stream.charCodeAt(index);
    low = Math.imul(low ^ code, FNV_PRIME);
    high = Math.imul(high ^ (code + 0x9e), 0x01000197);
    if (++inBlock === blockChars) {
      inBlock = 0;
      hashes.push((high >>> 11) * 0x100000000 + (low >>> 0));
    }
  }
  return { hashes, text: stream };
}
