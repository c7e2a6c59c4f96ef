// The zero-setup local embedder: a hashed bag of content words, word pairs and character trigrams,
// signed feature hashing into a fixed dimension, L2-normalised. No network, no model download:
// similarity is lexical (with a small synonym fold), so paraphrases that share few words score low
// (lower recall), which is the safe direction for a cache.

import { promptTerms } from './local-embedder-features.js';

export const localEmbedderDimensions = 512;

const weights = { word: 1, question: 0.5, number: 1, pair: 0.6, trigram: 0.25 };

/** FNV-1a 32-bit. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

function add(vector: Float32Array, feature: string, weight: number): void {
  const hashed = hash(feature);
  const slot = hashed % vector.length;
  // One bit of the hash picks the sign, so collisions cancel out on average instead of piling up.
  vector[slot] = (vector[slot] as number) + (hashed >>> 31 === 1 ? -weight : weight);
}

export function embedLocally(text: string, dimensions = localEmbedderDimensions): Float32Array {
  const vector = new Float32Array(dimensions);
  const terms = promptTerms(text);
  let previous: string | undefined;
  for (const { term, kind } of terms) {
    if (kind === 'question') {
      add(vector, `q:${term}`, weights.question);
      continue;
    }
    add(vector, `w:${term}`, kind === 'number' ? weights.number : weights.word);
    if (previous !== undefined) add(vector, `p:${previous} ${term}`, weights.pair);
    previous = term;
    if (kind === 'content' && term.length > 3) {
      const padded = `<${term}>`;
      const trigrams = padded.length - 2;
      for (let index = 0; index < trigrams; index++) {
        add(vector, `c:${padded.slice(index, index + 3)}`, weights.trigram / Math.sqrt(trigrams));
      }
    }
  }
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  const norm = Math.sqrt(sumOfSquares);
  if (norm > 0)
    for (let index = 0; index < vector.length; index++)
      vector[index] = (vector[index] as number) / norm;
  return vector;
}

export function cosineSimilarity(left: Float32Array, right: Float32Array): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = left[index] as number;
    const b = right[index] as number;
    dot += a * b;
    leftNorm += a * a;
    rightNorm += b * b;
  }
  if (leftNorm === 0 || rightNorm === 0) return 0;
  return dot / Math.sqrt(leftNorm * rightNorm);
}
