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
});
