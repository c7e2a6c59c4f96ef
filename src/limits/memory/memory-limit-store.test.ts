import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runLimitStoreContract } from '../limit-store.contract.js';
import { createMemoryLimitStore } from './memory-limit-store.js';

runLimitStoreContract('memory', () => Promise.resolve(createMemoryLimitStore()));

it('evicts the least recently stored bucket first, also when the newest is stored again', async () => {
  const store = createMemoryLimitStore({ maxEntries: 2 });
  const bucket = (key: string) => ({ key, capacity: 1000, refillPerSecond: 0.001 });
  const remaining = async (key: string) =>
    (await store.reserveTokens([bucket(key)], 0)).buckets[0]?.remaining;
  await store.reserveTokens([bucket('a')], 100);
  await store.reserveTokens([bucket('b')], 200);
  // b is the newest: charging it again updates it in place; then a is touched and becomes newest.
  await store.adjustTokens([bucket('b')], 50);
  await store.adjustTokens([bucket('a')], 10);
  await store.reserveTokens([bucket('c')], 300);
  // b was the least recently stored: gone (full again); a and c kept their charges.
  assert.equal(await remaining('a'), 890);
  assert.equal(await remaining('c'), 700);
  assert.equal(await remaining('b'), 1000);
});
