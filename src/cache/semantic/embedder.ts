// Embedders for the semantic cache: the local hashed embedder, or any embeddings alias of the
// gateway (OpenAI, vLLM, …) called through its provider's `embeddings()`.

import type { Provider, RequestSignal } from '../../core/index.js';
import { toAbortSignal } from '../../lib/request-abort.js';
import type { ModelCatalog } from '../../routing/model-catalog.js';
import { embedLocally, localEmbedderDimensions } from './local-embedder.js';

export interface Embedder {
  /** 'local' or the embeddings alias. */
  readonly name: string;
  /** A unit-length vector for the text. */
  embed(text: string, signal: RequestSignal): Promise<Float32Array>;
}

export function createLocalEmbedder(): Embedder {
  return {
    name: 'local',
    embed: (text) => Promise.resolve(embedLocally(text, localEmbedderDimensions)),
  };
}

function normalize(values: ArrayLike<number>): Float32Array {
  const vector = Float32Array.from(values);
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  const norm = Math.sqrt(sumOfSquares);
  if (norm > 0)
    for (let index = 0; index < vector.length; index++)
      vector[index] = (vector[index] as number) / norm;
  return vector;
}

function readEmbedding(body: Record<string, unknown>): Float32Array {
  const data = body.data;
  const first = Array.isArray(data) ? (data[0] as { embedding?: unknown } | undefined) : undefined;
  const embedding = first?.embedding;
  if (Array.isArray(embedding) && embedding.every((value) => typeof value === 'number')) {
    return normalize(embedding);
  }
  if (typeof embedding === 'string') {
    const bytes = Buffer.from(embedding, 'base64');
    return normalize(
      new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4)),
    );
  }
  throw new Error('the embeddings response has no data[0].embedding');
}

export function createAliasEmbedder(options: {
  alias: string;
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, Provider>;
  timeoutMs: number;
}): Embedder {
  return {
    name: options.alias,
    async embed(text, signal) {
      const route = options.catalog.resolve(options.alias);
      if (!route) throw new Error(`unknown embeddings alias '${options.alias}'`);
      let lastError: unknown = new Error(`no deployment of '${options.alias}' serves embeddings`);
      // The deployments in order: the embedder falls back like any other call.
      for (const deployment of route.deployments) {
        const provider = options.providers.get(deployment.provider);
        if (!provider?.embeddings) continue;
        try {
          const response = await provider.embeddings({
            request: { model: options.alias, input: text, extra: {} },
            deployment,
            signal: AbortSignal.any([
              toAbortSignal(signal),
              AbortSignal.timeout(options.timeoutMs),
            ]),
            timeouts: {
              ...deployment.timeouts,
              totalMs: Math.min(deployment.timeouts.totalMs, options.timeoutMs),
            },
          });
          return readEmbedding(response.body);
        } catch (error) {
          lastError = error;
          if (signal.aborted) break;
        }
      }
      throw lastError instanceof Error ? lastError : new Error(String(lastError));
    },
  };
}
