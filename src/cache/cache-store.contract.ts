// The contract every CacheStore implementation runs (memory and Redis): values, TTL, the log.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { CacheStore } from './cache-store.js';

export interface CacheStoreHarness {
  create(): Promise<CacheStore>;
  /** Makes every entry written so far look older by `seconds` (advances an injected clock, or waits). */
  expire(seconds: number): Promise<void>;
}

export function runCacheStoreContract(name: string, harness: CacheStoreHarness): void {
  describe(`CacheStore contract: ${name}`, () => {
    let store: CacheStore;
    before(async () => {
      store = await harness.create();
    });
    after(async () => {
      await store.close();
    });

    it('returns undefined for a key never written', async () => {
      assert.equal(await store.get(`absent-${randomBytes(4).toString('hex')}`), undefined);
    });

    it('round-trips arbitrary bytes (binary safe), small and large', async () => {
      const small = Buffer.from([0, 1, 2, 255, 0xc3, 0x28, 10, 13]);
      const large = Buffer.concat([randomBytes(5_000), Buffer.from('x'.repeat(60_000))]);
      await store.set('binary-small', small, 60);
      await store.set('binary-large', large, 60);
      assert.deepEqual(await store.get('binary-small'), small);
      assert.deepEqual(await store.get('binary-large'), large);
    });

    it('overwrites a key and deletes it', async () => {
      await store.set('overwrite', Buffer.from('one'), 60);
      await store.set('overwrite', Buffer.from('two'), 60);
      assert.equal((await store.get('overwrite'))?.toString(), 'two');
      await store.delete('overwrite');
      assert.equal(await store.get('overwrite'), undefined);
    });

    it('expires entries after their TTL', async () => {
      await store.set('short-lived', Buffer.from('soon gone'), 1);
      await store.set('long-lived', Buffer.from('still here'), 3600);
      await harness.expire(1.2);
      assert.equal(await store.get('short-lived'), undefined);
      assert.equal((await store.get('long-lived'))?.toString(), 'still here');
    });

    it('appends to the log and reads only what came after a cursor', async () => {
      const first = await store.readLog(undefined, 1000);
      await store.appendLog(Buffer.from('entry-1'));
      await store.appendLog(Buffer.from([0, 255, 1]));
      const page = await store.readLog(first.cursor, 1000);
      assert.deepEqual(
        page.entries.map((entry) => entry.toString('hex')),
        [Buffer.from('entry-1').toString('hex'), '00ff01'],
      );
      await store.appendLog(Buffer.from('entry-3'));
      const next = await store.readLog(page.cursor, 1000);
      assert.deepEqual(
        next.entries.map((entry) => entry.toString()),
        ['entry-3'],
      );
      const limited = await store.readLog(first.cursor, 1);
      assert.equal(limited.entries.length, 1);
      const rest = await store.readLog(limited.cursor, 1000);
      assert.equal(rest.entries.length, 2);
    });
  });
}
