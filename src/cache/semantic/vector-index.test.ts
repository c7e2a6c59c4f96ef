// The partitioned exact index: partitions never mix, results come best first, the bound and the
// expiry hold.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { embedLocally } from './local-embedder.js';
import { PartitionedVectorIndex } from './vector-index.js';

function entry(id: string, partition: string, text: string, expiresAt = Number.MAX_SAFE_INTEGER) {
  return { id, partition, vector: embedLocally(text), expiresAt, payload: text };
}

describe('partitioned vector index', () => {
  it('searches only its own partition, best match first', () => {
    const index = new PartitionedVectorIndex<string>({ maxEntries: 100 });
    index.add(entry('1', 'tenant-a', 'How do I reset my password?'));
    index.add(entry('2', 'tenant-a', 'What is the capital of France?'));
    index.add(entry('3', 'tenant-b', 'How can I reset my password?'));
    const matches = index.search('tenant-a', embedLocally('How can I reset my password?'), 5);
    assert.deepEqual(
      matches.map((match) => match.entry.id),
      ['1', '2'],
    );
    assert.ok((matches[0]?.similarity ?? 0) > (matches[1]?.similarity ?? 1));
    assert.deepEqual(index.search('tenant-c', embedLocally('anything'), 5), []);
  });

  it('evicts the oldest entries beyond maxEntries and drops expired ones', () => {
    let now = 1_000;
    const index = new PartitionedVectorIndex<string>({ maxEntries: 3, now: () => now });
    for (let number = 0; number < 5; number++)
      index.add(entry(`e${number}`, 'p', `prompt ${number}`));
    assert.equal(index.size, 3);
    assert.ok(!index.has('e0') && !index.has('e1') && index.has('e4'));
    index.add(entry('short', 'q', 'short lived', 2_000));
    assert.equal(index.search('q', embedLocally('short lived'), 1).length, 1);
    now = 3_000;
    assert.equal(index.search('q', embedLocally('short lived'), 1).length, 0);
    assert.ok(!index.has('short'));
  });

  it('keeps vectors right after swap-removal', () => {
    const index = new PartitionedVectorIndex<string>({ maxEntries: 100 });
    const texts = ['alpha river', 'beta mountain', 'gamma lake', 'delta forest'];
    texts.forEach((text, number) => index.add(entry(String(number), 'p', text)));
    index.remove('1');
    for (const [number, text] of texts.entries()) {
      if (number === 1) continue;
      const best = index.search('p', embedLocally(text), 1)[0];
      assert.equal(best?.entry.id, String(number));
      assert.ok(Math.abs((best?.similarity ?? 0) - 1) < 1e-5);
    }
  });

  it('stores dense vectors (neural embedders) and sparse ones side by side, exactly', () => {
    const index = new PartitionedVectorIndex<string>({ maxEntries: 100 });
    const dense = (seed: number) => {
      const vector = new Float32Array(512);
      let norm = 0;
      for (let slot = 0; slot < vector.length; slot++) {
        const value = Math.sin(seed * 7.3 + slot * 1.1);
        vector[slot] = value;
        norm += value * value;
      }
      return vector.map((value) => value / Math.sqrt(norm));
    };
    for (let seed = 1; seed <= 5; seed++) {
      index.add({
        id: `d${seed}`,
        partition: 'p',
        vector: dense(seed),
        expiresAt: Infinity,
        payload: '',
      });
    }
    index.add(entry('s1', 'p', 'a sparse prompt'));
    index.remove('d2');
    for (const seed of [1, 3, 4, 5]) {
      const best = index.search('p', dense(seed), 1)[0];
      assert.equal(best?.entry.id, `d${seed}`);
      assert.ok(Math.abs((best?.similarity ?? 0) - 1) < 1e-5);
    }
    assert.equal(index.search('p', embedLocally('a sparse prompt'), 1)[0]?.entry.id, 's1');
  });
});
