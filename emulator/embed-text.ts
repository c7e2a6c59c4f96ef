// Deterministic unit-length embedding of a text: a seeded PRNG keyed by the text's hash.
import { hashText } from './hash-text.js';
import { createSeededRandom } from './seeded-random.js';

export function embedText(text: string, dimensions: number): Float32Array {
  const random = createSeededRandom(hashText(text) % 4294967296);
  const vector = new Float32Array(dimensions);
  let sumOfSquares = 0;
  for (let index = 0; index < dimensions; index++) {
    const value = random() * 2 - 1;
    vector[index] = value;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares) || 1;
  for (let index = 0; index < dimensions; index++) vector[index] = (vector[index] as number) / norm;
  return vector;
}

/** OpenAI's base64 encoding: the little-endian float32 bytes, base64. */
export function encodeBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}
