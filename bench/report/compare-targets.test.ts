// The order the targets run in, round by round: alternating, so that neither the host's drift
// within a round nor the run before it always falls on the same target.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { targetNames, targetsInRound } from './compare-targets.js';

test('odd rounds run the targets in their order, even rounds in reverse', () => {
  assert.deepEqual(targetsInRound(1), ['emulator', 'bare-proxy', 'gateway']);
  assert.deepEqual(targetsInRound(2), ['gateway', 'bare-proxy', 'emulator']);
  assert.deepEqual(targetsInRound(3), targetsInRound(1));
  assert.deepEqual(targetsInRound(6), targetsInRound(2));
  // The shared list itself is not reversed in place.
  assert.deepEqual(targetNames, ['emulator', 'bare-proxy', 'gateway']);
});

test('over two rounds each target runs in each position once as often as the others', () => {
  const positions = new Map<string, number[]>();
  for (const round of [1, 2]) {
    targetsInRound(round).forEach((name, position) => {
      positions.set(name, [...(positions.get(name) ?? []), position]);
    });
  }
  // First and last once each, or the middle twice: the same mean position for every target.
  for (const [name, seen] of positions) {
    assert.equal(seen[0]! + seen[1]!, 2, name);
  }
});
