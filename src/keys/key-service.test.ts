import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { isGatewayError } from '../core/index.js';
import { createKeyService } from './key-service.js';
import type { KeyStore, StoredKey } from './key-store.js';
import { hashKeySecret, hashKeySecretHex, keyHashesEqual, type VirtualKey } from './virtual-key.js';

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

/** A key service over one database key (`stored`), a 5 s cache TTL and a clock the test moves. */
function databaseKeyService() {
  const clock = { now: 1_000 };
  const keys = new Map([[hex, stored]]);
  const backing = mapStore(keys);
  const service = createKeyService({
    staticKeys: [],
    store: backing.store,
    cacheTtlMs: 5_000,
    now: () => clock.now,
  });
  return { clock, keys, backing, service };
}

describe('key service', () => {
  it('caches a found key for cacheTtlMs, then reads the database again (the revocation bound)', async () => {
    const { clock, keys, backing, service } = databaseKeyService();
    assert.equal((await service.authenticate(secret))?.id, 'key_1');
    assert.equal((await service.authenticate(secret))?.id, 'key_1');
    assert.equal(backing.lookups(), 1);
    keys.set(hex, { ...stored, revokedAt: new Date().toISOString() });
    clock.now += 4_999;
    assert.equal((await service.authenticate(secret))?.id, 'key_1', 'still cached');
    clock.now += 2;
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

  it('hashes secrets as SHA-256 of their UTF-8 bytes and compares digests exactly', () => {
    for (const text of [secret, 'static-secret-0123456789', 'sy-ünïcødé-✓-0123', '']) {
      const expected = createHash('sha256').update(text, 'utf8').digest();
      assert.equal(hashKeySecretHex(text), expected.toString('hex'));
      assert.ok(hashKeySecret(text).equals(expected));
      assert.ok(keyHashesEqual(expected, hashKeySecretHex(text)));
    }
    assert.equal(keyHashesEqual(hashKeySecret('a'), hashKeySecretHex('b')), false);
    assert.equal(keyHashesEqual(hashKeySecret('a'), 'not hex'), false);
  });

  it('keeps answering a static key after many requests, and never a near miss', async () => {
    const service = createKeyService({
      staticKeys: [{ key: 'static-secret-0123456789', user: 'ci' }],
      cacheTtlMs: 5_000,
    });
    const first = await service.authenticate('static-secret-0123456789');
    assert.equal(first?.user, 'ci');
    assert.equal(await service.authenticate('static-secret-0123456789'), first);
    assert.equal(await service.authenticate('static-secret-012345678'), undefined);
    assert.equal(await service.authenticate('Static-secret-0123456789'), undefined);
  });

  it("answers a connection's proved secret without a lookup, and never another secret on it", async () => {
    const service = createKeyService({
      staticKeys: [{ key: 'static-secret-0123456789', user: 'ci' }],
      cacheTtlMs: 5_000,
    });
    const connection = {};
    const key = service.authenticateNow('static-secret-0123456789', connection);
    assert.equal((key as { user?: string } | undefined)?.user, 'ci');
    assert.equal(service.authenticateNow('static-secret-0123456789', connection), key);
    // Same length, one character off (first, middle, last), after the connection proved the key.
    for (const nearMiss of [
      'Static-secret-0123456789',
      'static-secret_0123456789',
      'static-secret-0123456780',
      'static-secret-012345678',
      'static-secret-01234567890',
    ]) {
      assert.equal(await service.authenticateNow(nearMiss, connection), undefined, nearMiss);
      // A refused secret leaves nothing behind that would admit it, and the key still works.
      assert.equal(await service.authenticateNow(nearMiss, connection), undefined, nearMiss);
      assert.equal(service.authenticateNow('static-secret-0123456789', connection), key);
    }
  });

  it("forgets a connection's database key when invalidated, re-read after the TTL, or a new store", async () => {
    const { clock, keys, backing, service } = databaseKeyService();
    const connection = {};
    const ask = () => service.authenticateNow(secret, connection);
    assert.equal((await ask())?.id, 'key_1');
    assert.equal((await ask())?.id, 'key_1');
    assert.equal((await ask())?.id, 'key_1');
    assert.equal(backing.lookups(), 1);

    // Revoked on this replica: invalidate() forgets what the connection proved.
    keys.set(hex, { ...stored, revokedAt: new Date().toISOString() });
    service.invalidate();
    assert.equal(await ask(), undefined, 'refused at once after invalidate()');
    assert.equal(backing.lookups(), 2);

    // Revoked on another replica: refused once the cached answer's TTL has passed.
    keys.set(hex, stored);
    clock.now += 1_001; // past the refusal's 1 s negative TTL
    assert.equal((await ask())?.id, 'key_1');
    assert.equal((await ask())?.id, 'key_1');
    keys.set(hex, { ...stored, revokedAt: new Date().toISOString() });
    clock.now += 4_999;
    assert.equal((await ask())?.id, 'key_1', 'still within the TTL');
    clock.now += 2;
    assert.equal(await ask(), undefined, 'refused after the TTL');

    // A store attached afresh (the database reopened) is asked again.
    keys.set(hex, stored);
    clock.now += 1_001;
    assert.equal((await ask())?.id, 'key_1');
    assert.equal((await ask())?.id, 'key_1');
    service.attachStore(mapStore(new Map()).store);
    assert.equal(await ask(), undefined, 'the new store does not know the key');
  });
});
