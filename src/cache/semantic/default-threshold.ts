// The similarity a semantic hit needs when the config names none, per kind of embedder.

/**
 * Local hashed embedder: 0.85 (precision 1.0, recall 0.88 on the shipped labelled pairs with the
 * guards; see docs/caching.md). A neural embeddings alias scores paraphrases and near-misses higher
 * on the cosine scale, so it starts stricter (0.95, the GPTCache benchmark's figure); tune it with
 * `switchyard cache eval` on your own pairs.
 */
export function defaultSemanticThreshold(embedder: string): number {
  return embedder === 'local' ? 0.85 : 0.95;
}
