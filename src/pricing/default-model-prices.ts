// The shipped price table (data): USD per 1M tokens for OpenAI, Anthropic and Bedrock models, each
// row dated and with its source. Config (`pricing.models`) overrides any row. A model missing here
// has an unknown cost (null), never 0.

import type { ModelPrice } from './compute-cost.js';

export interface ModelPriceEntry {
  /** Upstream model name (OpenAI / Anthropic) or Bedrock model id, without version suffix. */
  model: string;
  vendor: 'openai' | 'anthropic' | 'bedrock';
  price: ModelPrice;
  /** Day the price was read from the source (YYYY-MM-DD). */
  checkedOn: string;
  source: string;
  /** false: read from a secondary source or inferred; not confirmed on the vendor's own page. */
  confirmed: boolean;
  note?: string;
}

const anthropicPricing = 'https://platform.claude.com/docs/en/about-claude/pricing';

export const defaultModelPrices: readonly ModelPriceEntry[] = [
  {
    model: 'claude-opus-4-5',
    vendor: 'anthropic',
    price: { inputPerMTok: 5, cacheWritePerMTok: 6.25, cachedInputPerMTok: 0.5, outputPerMTok: 25 },
    checkedOn: '2026-11-27',
    source: anthropicPricing,
    confirmed: true,
  },
  {
    model: 'claude-opus-4-1',
    vendor: 'anthropic',
    price: {
      inputPerMTok: 15,
      cacheWritePerMTok: 18.75,
      cachedInputPerMTok: 1.5,
      outputPerMTok: 75,
    },
    checkedOn: '2026-11-27',
    source: anthropicPricing,
    confirmed: true,
  },
];
