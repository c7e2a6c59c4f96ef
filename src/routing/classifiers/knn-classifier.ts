// Embedding k-nearest-neighbour classifier: the labelled examples are embedded once (with the same
// Embedder abstraction as the semantic cache), each request is embedded and the k most similar
// examples vote, weighted by cosine similarity. Confidence = the winner's share of the vote.

import type { Embedder } from '../../cache/semantic/embedder.js';
import type { RequestSignal } from '../../core/index.js';
import type { Classification, ClassifierInput, ComplexityClassifier } from '../complexity.js';
import { complexityTiers, type ComplexityTier } from '../request-shape.js';
import type { LabelledExample } from '../read-labelled-examples.js';

export interface KnnClassifierOptions {
  examples: readonly LabelledExample[];
  embedder: Embedder;
  k: number;
  /** Decides when embedding fails (training or the request); its name gets `(knn-error)`. */
  fallback?: ComplexityClassifier;
  /** After a failed training, the next attempt waits this long (default 10 s). */
  retrainAfterMs?: number;
  /** Embeds the examples; aborting it leaves the classifier unusable (classify rejects). */
  signal?: RequestSignal;
}

interface TrainedExample {
  vector: Float32Array;
  tier: ComplexityTier;
}

export interface KnnClassifier extends ComplexityClassifier {
  /** Resolves when the examples are embedded (rejects if that failed). */
  readonly ready: Promise<void>;
}

/** After a failed training, the next attempt waits this long (meanwhile the fallback decides). */
const RETRAIN_AFTER_MS = 10_000;

function dot(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) sum += left[index]! * right[index]!;
  return sum;
}

export function createKnnClassifier(options: KnnClassifierOptions): KnnClassifier {
  const trained: TrainedExample[] = [];
  const retrainAfterMs = options.retrainAfterMs ?? RETRAIN_AFTER_MS;
  const signal = options.signal ?? new AbortController().signal;
  let training: Promise<void> | undefined;
  let lastFailureAt = -Infinity;
  // Embeds the examples not embedded yet; a failed run is resumed later, not restarted.
  const train = (): Promise<void> => {
    training ??= (async () => {
      while (trained.length < options.examples.length) {
        const example = options.examples[trained.length]!;
        const vector = await options.embedder.embed(example.prompt, signal);
        trained.push({ vector, tier: example.tier });
      }
    })().then(
      () => {
        training = undefined;
      },
      (error: unknown) => {
        training = undefined;
        lastFailureAt = performance.now();
        throw error;
      },
    );
    return training;
  };
  const ready = train();
  let firstTrainingSettled = false;
  // A failed training is reported by classify(); do not crash the process meanwhile.
  ready.then(
    () => (firstTrainingSettled = true),
    () => (firstTrainingSettled = true),
  );
  const k = Math.max(1, Math.min(options.k, options.examples.length));

  return {
    name: 'knn',
    ready,
    async classify(input: ClassifierInput, requestSignal: AbortSignal): Promise<Classification> {
      let query: Float32Array;
      try {
        if (!firstTrainingSettled) {
          // Requests wait for the first training; never for a retry after it failed.
          await ready;
        } else if (trained.length < options.examples.length) {
          if (!training && performance.now() - lastFailureAt > retrainAfterMs) {
            train().catch(() => {});
          }
          throw new Error('the kNN examples are not embedded (the embedder failed)');
        }
        query = await options.embedder.embed(input.text, requestSignal);
      } catch (error) {
        if (requestSignal.aborted || !options.fallback) throw error;
        const result = await options.fallback.classify(input, requestSignal);
        return { ...result, classifier: `${result.classifier}(knn-error)` };
      }
      // Keep the k best in a small sorted array: k is tiny, the examples a few thousand at most.
      const best: Array<{ similarity: number; tier: ComplexityTier }> = [];
      for (const example of trained) {
        const similarity = dot(query, example.vector);
        if (best.length === k && similarity <= best[k - 1]!.similarity) continue;
        let at = best.length;
        while (at > 0 && best[at - 1]!.similarity < similarity) at--;
        best.splice(at, 0, { similarity, tier: example.tier });
        if (best.length > k) best.pop();
      }
      const votes: Record<ComplexityTier, number> = { trivial: 0, moderate: 0, hard: 0 };
      let total = 0;
      for (const neighbour of best) {
        const weight = Math.max(neighbour.similarity, 0) + 1e-6;
        votes[neighbour.tier] += weight;
        total += weight;
      }
      let tier: ComplexityTier = 'moderate';
      for (const candidate of complexityTiers) if (votes[candidate] > votes[tier]) tier = candidate;
      return { tier, confidence: total > 0 ? votes[tier] / total : 0, classifier: 'knn' };
    },
  };
}
