import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUsage } from '../core/index.js';
import { computeCostUsd } from './compute-cost.js';

describe('computeCostUsd', () => {
  it('prices uncached, cached, cache-write and output tokens at their own rates', () => {
    const usage = createUsage({
      inputNoCache: 1000,
      cacheRead: 4000,
      cacheWrite: 500,
      outputTotal: 200,
    });
    const cost = computeCostUsd(
      { inputPerMTok: 3, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75, outputPerMTok: 15 },
      usage,
    );
    // 1000*3 + 4000*0.3 + 500*3.75 + 200*15 = 3000 + 1200 + 1875 + 3000 = 9075 µ$ per M → $0.009075
    assert.ok(Math.abs(cost - 0.009075) < 1e-12, String(cost));
  });

  it('falls back to the input rate for cached tokens when no cached rate is known', () => {
    const usage = createUsage({ inputNoCache: 0, cacheRead: 1_000_000, outputTotal: 0 });
    assert.equal(computeCostUsd({ inputPerMTok: 2, outputPerMTok: 8 }, usage), 2);
  });
});
