import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalEmbedder, type Embedder } from '../../cache/semantic/embedder.js';
import { createFeatureClassifier } from './feature-classifier.js';
import { createKnnClassifier } from './knn-classifier.js';

const examples = [
  { prompt: 'What is the capital of Spain?', tier: 'trivial' as const },
  { prompt: 'What is the capital of Italy?', tier: 'trivial' as const },
  { prompt: 'Prove the spectral theorem for symmetric matrices in detail.', tier: 'hard' as const },
  { prompt: 'Prove that every compact metric space is complete.', tier: 'hard' as const },
];
const input = (text: string) => ({ text, systemChars: 0, userTurns: 1 });
const signal = new AbortController().signal;

describe('knn classifier', () => {
  it('votes with the nearest labelled examples', async () => {
    const knn = createKnnClassifier({ examples, embedder: createLocalEmbedder(), k: 1 });
    await knn.ready;
    const trivial = await knn.classify(input('What is the capital of Portugal?'), signal);
    assert.equal(trivial.tier, 'trivial');
    assert.equal(trivial.classifier, 'knn');
    const hard = await knn.classify(
      input('Prove that every compact metric space is bounded.'),
      signal,
    );
    assert.equal(hard.tier, 'hard');
  });

  it('falls back while its embedder fails, and trains again later', async () => {
    const local = createLocalEmbedder();
    let failing = true;
    const flaky: Embedder = {
      name: 'flaky',
      embed: (text, embedSignal) =>
        failing ? Promise.reject(new Error('embedder down')) : local.embed(text, embedSignal),
    };
    const knn = createKnnClassifier({
      examples,
      embedder: flaky,
      k: 1,
      fallback: createFeatureClassifier(),
      retrainAfterMs: 0,
    });
    const first = await knn.classify(input('What is the capital of Portugal?'), signal);
    assert.equal(first.classifier, 'features(knn-error)');
    failing = false;
    // The next call starts a new training in the background and still falls back.
    const second = await knn.classify(input('What is the capital of Portugal?'), signal);
    assert.equal(second.classifier, 'features(knn-error)');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const third = await knn.classify(input('What is the capital of Portugal?'), signal);
    assert.equal(third.classifier, 'knn');
  });
});
