// The shipped labelled pairs at the default threshold of the local embedder: the precision bar
// the docs state (≥ 0.98), and every category of false hit refused.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { defaultSemanticThreshold } from '../semantic/default-threshold.js';
import { createLocalEmbedder } from '../semantic/embedder.js';
import { evaluatePairs, readLabelledPairs } from './evaluate-pairs.js';

describe('semantic cache on the shipped labelled pairs', () => {
  it('has at least 200 pairs over every category, and precision ≥ 0.98 at the default threshold', async () => {
    const pairs = await readLabelledPairs(
      fileURLToPath(new URL('./semantic-pairs.jsonl', import.meta.url)),
    );
    assert.ok(pairs.length >= 200);
    const categories = new Set(pairs.map((pair) => pair.category));
    for (const category of ['paraphrase', 'negation', 'numbers', 'entity_swap', 'unrelated']) {
      assert.ok(categories.has(category), category);
    }
    const result = await evaluatePairs({
      pairs,
      embedder: createLocalEmbedder(),
      threshold: defaultSemanticThreshold('local'),
    });
    assert.ok(result.withGuards.precision >= 0.98, JSON.stringify(result.withGuards));
    // Recall is reported, not a bar; it must at least be non-trivial for the cache to be useful.
    assert.ok(result.withGuards.recall > 0.5, JSON.stringify(result.withGuards));
  });
});
