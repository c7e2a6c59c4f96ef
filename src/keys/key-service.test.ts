import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGatewayError } from '../core/index.js';
import { createKeyService } from './key-service.js';
import type { KeyStore, StoredKey } from './key-store.js';
import { hashKeySecret, type VirtualKey } from './virtual-key.js';

/** A KeyStore over a Map, counting lookups, that can be made to fail. */
function mapStore(keys: Map<string, VirtualKey>) {
  let lookups = 0;
  let failing = false;
  const store: KeyStore = {
    create: () => Promise.reject(new Error('unused')),
    list: () => Promise.resolve([...keys.values()]),
    revoke: () => Promise.reject(new Error('unused')),
    findByHash(hashHex): Promise<StoredKey | undefined> {
      lookups += 1;
      if (failing) return Promise.reject(new Error('database down'));
      const key = keys.get(hashHex);
      return Promise.resolve(key ? { key, hashHex } : undefined);
    },
  };
  return {
    store,
    lookups: () => lookups,
    fail: (value: boolean) => {
      failing = value;
    },
  };
}

const secret = 'sy-0123456789abcdefghijklmnopqrstuv';
const hex = hashKeySecret(secret).toString('hex');
const stored: VirtualKey = { id: 'key_1', user: 'alice', prefix: 'sy-0123', source: 'database' };

describe('key service', () => {
  it('caches a found key for cacheTtlMs, then reads the database again (the revocation bound)', async () => {
    let now = 1_000;
    const keys = new Map([[hex, stored]]);
    const backing = mapStore(keys);
    const service = createKeyService({
      staticKeys: [],
      store: backing.store,
      cacheTtlMs: 5_000,
      now: () => now,
    });
    assert.equal((await service.authenticate(secret))?.id, 'key_1');
    assert.equal((await service.authenticate(secret))?.id, 'key_1');
    assert.equal(backing.lookups(), 1);
    keys.set(hex, { ...stored, revokedAt: new Date().toISOString() });
    now += 4_999;
    assert.equal((await service.authenticate(secret))?.id, 'key_1', 'still cached');
    now += 2;
    assert.equal(await service.authenticate(secret), undefined, 'revoked after the TTL');
  });

  it('remembers an unknown secret briefly and coalesces concurrent lookups', async () => {
    let now = 0;
    const backing = mapStore(new Map());
    const service = createKeyService({
      staticKeys: [],
      store: backing.store,
      cacheTtlMs: 5_000,
      now: () => now,
    });
    await Promise.all(
      Array.from({ length: 10 }, () => service.authenticate('sy-unknown-secret-000000')),
    );
    assert.equal(backing.lookups(), 1);
    now += 1_001;
    await service.authenticate('sy-unknown-secret-000000');
    assert.equal(backing.lookups(), 2, 'negative entries live at most 1 s');
  });

  it('uses a stale cached key while the database is down, and 503 for an unknown one', async () => {
    let now = 0;
    const backing = mapStore(new Map([[hex, stored]]));
    const errors: boolean[] = [];
    const service = createKeyService({
      staticKeys: [],
      store: backing.store,
      cacheTtlMs: 100,
      now: () => now,
      onStoreError: (_error, usedStale) => errors.push(usedStale),
    });
    await service.authenticate(secret);
    backing.fail(true);
    now += 1_000;
    assert.equal((await service.authenticate(secret))?.id, 'key_1');
    await assert.rejects(service.authenticate('sy-someone-else-00000000'), (error: unknown) => {
      assert.ok(isGatewayError(error));
      assert.equal(error.code, 'key_store_unavailable');
      return true;
    });
    assert.deepEqual(errors, [true, false]);
  });

  it('accepts static keys without a database, and answers 503 while an expected database is missing', async () => {
    const service = createKeyService({
      staticKeys: [
        { key: 'static-secret-0123456789', name: 'ci', team: 'platform', models: ['fast'] },
      ],
      cacheTtlMs: 5_000,
      expectStore: true,
    });
    const key = await service.authenticate('static-secret-0123456789');
    assert.equal(key?.id, 'cfg_ci');
    assert.equal(key?.team, 'platform');
    assert.deepEqual(key?.models, ['fast']);
    assert.equal(key?.source, 'config');
    await assert.rejects(service.authenticate('sy-not-static-0000000000'), /not connected yet/);
  });
});
