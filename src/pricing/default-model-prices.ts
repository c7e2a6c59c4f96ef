// The shipped price table (data): USD per 1M tokens for OpenAI, Anthropic and Bedrock models, each
// row dated and with its source. Config (`pricing.models`) overrides any row; a model missing here
// has an unknown cost (null), never 0. Read on 2026-11-27 through the public pages named in `source`;
// rows marked `confirmed: false` could not be read in full on the vendor's own page and come from
// secondary sources (noted) — override them in config if your invoice says otherwise.
//
// Billing notes:
// - Anthropic cache writes are priced at the 5-minute rate (1.25× input); 1-hour writes cost 2×
//   input, and the usage we receive does not say which TTL was used. Long-context (>200K input)
//   surcharges of Sonnet 4/4.5 are not modelled.
// - OpenAI does not charge for cache writes (its usage reports none); cached input has its own rate.
// - Bedrock: on-demand, global/in-region base price. Anthropic 4.5+ models on Bedrock cost about
//   10 % more on regional endpoints than on the global one; override per deployment id if you use them.

import type { ModelPrice } from './compute-cost.js';

export interface ModelPriceEntry {
  /** Upstream model name (OpenAI / Anthropic) or Bedrock model id, without version suffix. */
  model: string;
  vendor: 'openai' | 'anthropic' | 'bedrock';
  price: ModelPrice;
  /** Day the price was read (YYYY-MM-DD). */
  checkedOn: string;
  source: string;
  /** false: not every rate of the row could be confirmed on the vendor's own page. */
  confirmed: boolean;
  note?: string;
}

const checkedOn = '2026-11-27';
const openaiPricing = 'https://developers.openai.com/api/docs/pricing';
const openaiModels = 'https://developers.openai.com/docs/models';
const anthropicPricing = 'https://platform.claude.com/docs/en/about-claude/pricing';
const bedrockPricing = 'https://aws.amazon.com/bedrock/pricing/';

interface Row {
  source: string;
  confirmed: boolean;
  note?: string;
}

function openai(
  model: string,
  [input, cached, output]: [number, number | undefined, number],
  row: Row,
): ModelPriceEntry {
  return {
    model,
    vendor: 'openai',
    price: {
      inputPerMTok: input,
      ...(cached !== undefined ? { cachedInputPerMTok: cached } : {}),
      outputPerMTok: output,
    },
    checkedOn,
    ...row,
  };
}

/** Anthropic rates: input, 5-minute cache write, cache hit, output. */
function claude(
  model: string,
  vendor: 'anthropic' | 'bedrock',
  [input, cacheWrite, cacheHit, output]: [number, number, number, number],
  row: Row,
): ModelPriceEntry {
  return {
    model,
    vendor,
    price: {
      inputPerMTok: input,
      cacheWritePerMTok: cacheWrite,
      cachedInputPerMTok: cacheHit,
      outputPerMTok: output,
    },
    checkedOn,
    ...row,
  };
}

const openaiSecondary: Row = {
  source: openaiPricing,
  confirmed: false,
  note: 'rates from secondary sources quoting the OpenAI pricing page; not read on it directly',
};
const openaiCachedSecondary: Row = {
  source: openaiModels,
  confirmed: false,
  note: 'input and output read on the OpenAI models page; cached-input rate from secondary sources',
};
const anthropicConfirmed: Row = { source: anthropicPricing, confirmed: true };
const anthropicSecondary: Row = {
  source: anthropicPricing,
  confirmed: false,
  note: "row not visible in the page excerpt read; input/output from secondary sources, cache rates from Anthropic's published multipliers (write 1.25×, hit 0.1× input)",
};
const bedrockSecondary: Row = {
  source: bedrockPricing,
  confirmed: false,
  note: 'the AWS page could not be read here; secondary sources report the same on-demand rates as the vendor list price',
};

const opus45Rates: [number, number, number, number] = [5, 6.25, 0.5, 25];
const opus4Rates: [number, number, number, number] = [15, 18.75, 1.5, 75];
const sonnetRates: [number, number, number, number] = [3, 3.75, 0.3, 15];
const haiku45Rates: [number, number, number, number] = [1, 1.25, 0.1, 5];
const haiku35Rates: [number, number, number, number] = [0.8, 1, 0.08, 4];
const haiku3Rates: [number, number, number, number] = [0.25, 0.3, 0.03, 1.25];

export const defaultModelPrices: readonly ModelPriceEntry[] = [
  // OpenAI
  openai('gpt-5.5', [5, 0.5, 30], openaiCachedSecondary),
  openai('gpt-5.4', [2.5, 0.25, 15], openaiCachedSecondary),
  openai('gpt-5.4-mini', [0.75, 0.075, 4.5], openaiCachedSecondary),
  openai('gpt-5.4-nano', [0.2, 0.02, 1.25], openaiSecondary),
  openai('gpt-5', [1.25, 0.125, 10], openaiSecondary),
  openai('gpt-5-mini', [0.25, 0.025, 2], openaiSecondary),
  openai('gpt-5-nano', [0.05, 0.005, 0.4], {
    source: 'https://developers.openai.com/api/docs/models/gpt-5-nano',
    confirmed: true,
  }),
  openai('gpt-4.1', [2, 0.5, 8], openaiSecondary),
  openai('gpt-4.1-mini', [0.4, 0.1, 1.6], openaiSecondary),
  openai('gpt-4.1-nano', [0.1, 0.025, 0.4], openaiSecondary),
  openai('gpt-4o', [2.5, 1.25, 10], openaiSecondary),
  openai('gpt-4o-mini', [0.15, 0.075, 0.6], openaiSecondary),
  openai('o3', [2, 0.5, 8], openaiSecondary),
  openai('o3-mini', [1.1, 0.55, 4.4], openaiSecondary),
  openai('o4-mini', [1.1, 0.275, 4.4], openaiSecondary),
  openai('gpt-4', [30, undefined, 60], {
    source: 'https://developers.openai.com/api/docs/models/gpt-4',
    confirmed: true,
  }),
  openai('text-embedding-3-small', [0.02, undefined, 0], openaiSecondary),
  openai('text-embedding-3-large', [0.13, undefined, 0], openaiSecondary),

  // Anthropic (first-party API)
  claude('claude-opus-5', 'anthropic', opus45Rates, anthropicConfirmed),
  claude('claude-opus-4-8', 'anthropic', opus45Rates, anthropicConfirmed),
  claude('claude-opus-4-7', 'anthropic', opus45Rates, anthropicConfirmed),
  claude('claude-opus-4-6', 'anthropic', opus45Rates, anthropicConfirmed),
  claude('claude-opus-4-5', 'anthropic', opus45Rates, anthropicConfirmed),
  claude('claude-opus-4-1', 'anthropic', opus4Rates, anthropicConfirmed),
  claude('claude-opus-4', 'anthropic', opus4Rates, anthropicConfirmed),
  claude('claude-opus-4-0', 'anthropic', opus4Rates, anthropicConfirmed),
  claude('claude-sonnet-4-6', 'anthropic', sonnetRates, anthropicSecondary),
  claude('claude-sonnet-4-5', 'anthropic', sonnetRates, anthropicSecondary),
  claude('claude-sonnet-4', 'anthropic', sonnetRates, anthropicConfirmed),
  claude('claude-sonnet-4-0', 'anthropic', sonnetRates, anthropicConfirmed),
  claude('claude-3-7-sonnet', 'anthropic', sonnetRates, anthropicConfirmed),
  claude('claude-haiku-4-5', 'anthropic', haiku45Rates, anthropicSecondary),
  claude('claude-3-5-haiku', 'anthropic', haiku35Rates, anthropicConfirmed),
  claude('claude-3-haiku', 'anthropic', haiku3Rates, anthropicConfirmed),

  // AWS Bedrock (model ids; `us.`/`eu.`/`global.` inference-profile prefixes and `-vN:M` versions match)
  claude('anthropic.claude-opus-4-5', 'bedrock', opus45Rates, bedrockSecondary),
  claude('anthropic.claude-opus-4-1', 'bedrock', opus4Rates, bedrockSecondary),
  claude('anthropic.claude-opus-4', 'bedrock', opus4Rates, bedrockSecondary),
  claude('anthropic.claude-sonnet-4-6', 'bedrock', sonnetRates, bedrockSecondary),
  claude('anthropic.claude-sonnet-4-5', 'bedrock', sonnetRates, bedrockSecondary),
  claude('anthropic.claude-sonnet-4', 'bedrock', sonnetRates, bedrockSecondary),
  claude('anthropic.claude-3-7-sonnet', 'bedrock', sonnetRates, bedrockSecondary),
  claude('anthropic.claude-haiku-4-5', 'bedrock', haiku45Rates, bedrockSecondary),
  claude('anthropic.claude-3-5-haiku', 'bedrock', haiku35Rates, bedrockSecondary),
  claude('anthropic.claude-3-haiku', 'bedrock', haiku3Rates, bedrockSecondary),
  {
    model: 'amazon.nova-pro',
    vendor: 'bedrock',
    price: { inputPerMTok: 0.8, cachedInputPerMTok: 0.2, outputPerMTok: 3.2 },
    checkedOn,
    ...bedrockSecondary,
  },
  {
    model: 'amazon.nova-lite',
    vendor: 'bedrock',
    price: { inputPerMTok: 0.06, cachedInputPerMTok: 0.015, outputPerMTok: 0.24 },
    checkedOn,
    ...bedrockSecondary,
  },
  {
    model: 'amazon.nova-micro',
    vendor: 'bedrock',
    price: { inputPerMTok: 0.035, cachedInputPerMTok: 0.00875, outputPerMTok: 0.14 },
    checkedOn,
    ...bedrockSecondary,
  },
  {
    model: 'meta.llama3-3-70b-instruct',
    vendor: 'bedrock',
    price: { inputPerMTok: 0.72, outputPerMTok: 0.72 },
    checkedOn,
    ...bedrockSecondary,
  },
];
