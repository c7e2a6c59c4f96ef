// Runs the CacheStore contract on the in-process store, plus its memory bound.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCacheStoreContract } from '../cache-store.contract.js';
import { createMemoryCacheStore } from './memory-cache-store.js';

let clock = 1_000_000;
runCacheStoreContract('memory', {
  create: () => Promise.resolve(createMemoryCacheStore({ maxBytes: 1_000_000, now: () => clock })),
  expire: (seconds) => {
    clock += seconds * 1000;
    return Promise.resolve();
  },
});

describe('memory cache store bound', () => {
  it('evicts the least recently used entries to stay within maxBytes', async () => {
    const store = createMemoryCacheStore({ maxBytes: 10_000 });
    for (let index = 0; index < 50; index++) {
      await store.set(`key-${index}`, Buffer.alloc(1_000, index), 60);
      if (index >= 1) await store.get('key-0'); // keep key-0 hot
    }
    assert.ok(store.bytes <= 10_000, `${store.bytes} bytes used`);
    assert.ok(store.size < 10);
    assert.ok(await store.get('key-0'), 'the hot entry survives');
    assert.ok(await store.get('key-49'), 'the newest entry survives');
    assert.equal(await store.get('key-1'), undefined);
  });

  it('does not keep a value larger than the whole budget', async () => {
    const store = createMemoryCacheStore({ maxBytes: 1_000 });
    await store.set('huge', Buffer.alloc(5_000), 60);
    assert.equal(await store.get('huge'), undefined);
    assert.equal(store.bytes, 0);
  });
});
