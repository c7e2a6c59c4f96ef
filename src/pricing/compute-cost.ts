// Cost of one call from its normalised usage and a price: each token class at its own rate.

import type { Usage } from '../core/index.js';

/** USD per 1M tokens. Cached and cache-write rates default to the input rate when unknown. */
export interface ModelPrice {
  inputPerMTok: number;
  cachedInputPerMTok?: number | undefined;
  cacheWritePerMTok?: number | undefined;
  outputPerMTok: number;
}

export function computeCostUsd(price: ModelPrice, usage: Usage): number {
  const input = usage.input;
  const dollars =
    input.noCache * price.inputPerMTok +
    input.cacheRead * (price.cachedInputPerMTok ?? price.inputPerMTok) +
    input.cacheWrite * (price.cacheWritePerMTok ?? price.inputPerMTok) +
    usage.output.total * price.outputPerMTok;
  return dollars / 1_000_000;
}
