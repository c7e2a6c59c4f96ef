// Imitation of automatic prefix caching: cached = longest previously seen prefix, in whole blocks.
// Like vLLM APC (docs/design/prefix_caching.md): blocks of 16 tokens, each hash chained on its
// parent and the first seeded with the cache scope (model / LoRA / cache_salt), and the last prompt
// token is never served from cache.
import { hashText } from './hash-text.js';

export const BLOCK_TOKENS = 16;
const BLOCK_CHARS = BLOCK_TOKENS * 4;
const MAX_BLOCKS = 200_000;

export interface PrefixCache {
  /** Returns the cached prompt tokens for this prompt, then remembers its blocks. */
  lookupAndInsert(canonical: string, scope: string): number;
  clear(): void;
}

export function createPrefixCache(): PrefixCache {
  const seen = new Set<number>();
  return {
    lookupAndInsert(canonical, scope) {
      const promptTokens = canonical.length / 4;
      const fullBlocks = Math.floor(canonical.length / BLOCK_CHARS);
      if (fullBlocks === 0) return 0;
      if (seen.size > MAX_BLOCKS) seen.clear();
      let parent = hashText(scope);
      let cachedBlocks = 0;
      let matching = true;
      for (let block = 0; block < fullBlocks; block++) {
        const start = block * BLOCK_CHARS;
        parent = hashText(canonical.slice(start, start + BLOCK_CHARS), parent % 4294967296);
        if (matching && seen.has(parent)) cachedBlocks++;
        else {
          matching = false;
          seen.add(parent);
        }
      }
      // At least one prompt token is always computed, as in vLLM.
      const maxCachedBlocks = Math.floor((promptTokens - 1) / BLOCK_TOKENS);
      return Math.min(cachedBlocks, maxCachedBlocks) * BLOCK_TOKENS;
    },
    clear() {
      seen.clear();
    },
  };
}
