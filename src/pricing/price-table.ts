// What a call costs: the shipped model prices, config overrides, and GPU-hour pricing for self-hosted
// deployments. An unknown model has an unknown cost (null), never 0.

import type { Deployment, Usage } from '../core/index.js';
import { computeCostUsd, type ModelPrice } from './compute-cost.js';
import { defaultModelPrices } from './default-model-prices.js';

export type { ModelPrice } from './compute-cost.js';

/** A self-hosted deployment costs its GPUs' hourly price spread over the tokens it sustains. */
export interface SelfHostedPrice {
  /** USD per GPU-hour. */
  gpuHourUsd: number;
  /** Sustained throughput (all token classes) of the whole deployment, tokens per second. */
  tokensPerSecond: number;
  /** GPUs the deployment occupies (default 1). */
  gpus?: number | undefined;
}

export interface PriceTableOptions {
  /** Overrides and additions, keyed by upstream model name or deployment id (`provider/model`). */
  models?: Record<string, ModelPrice>;
  /** GPU-hour pricing, keyed by provider name or deployment id. */
  selfHosted?: Record<string, SelfHostedPrice>;
}

/** What pricing needs to know about a deployment. */
export type PricedDeployment = Pick<Deployment, 'id' | 'provider' | 'model'>;

export interface PriceTable {
  priceFor(deployment: PricedDeployment): ModelPrice | undefined;
  costOf(deployment: PricedDeployment, usage: Usage): number | null;
}

/** USD per 1M tokens of a self-hosted deployment: gpus × $/h ÷ (tokens/s × 3600) × 1e6. */
export function selfHostedPricePerMTok(price: SelfHostedPrice): number {
  return ((price.gpus ?? 1) * price.gpuHourUsd * 1_000_000) / (price.tokensPerSecond * 3600);
}

function selfHostedModelPrice(price: SelfHostedPrice): ModelPrice {
  const perMTok = selfHostedPricePerMTok(price);
  return { inputPerMTok: perMTok, cachedInputPerMTok: perMTok, outputPerMTok: perMTok };
}

// Dated snapshots (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`), Bedrock versions (`…-v1:0`)
// and `-latest` price like their base model. Other suffixes (`-mini`, `-audio-preview`) do not.
const versionSuffix = /^(?:-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest))?(?:-v\d+(?::\d+)?)?$/;
// Bedrock cross-region inference profiles prefix the model id with a geography.
const bedrockGeography = /^(?:us|eu|apac|us-gov|jp|au|ca|global)\./;

function createModelLookup(entries: Iterable<[string, ModelPrice]>) {
  const exact = new Map<string, ModelPrice>();
  for (const [name, price] of entries) exact.set(name.toLowerCase(), price);
  const names = [...exact.keys()].sort((a, b) => b.length - a.length);
  const cache = new Map<string, ModelPrice | null>();
  return (model: string): ModelPrice | undefined => {
    const key = model.toLowerCase();
    const cached = cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let found = exact.get(key);
    if (!found) {
      const bare = key.replace(bedrockGeography, '');
      found = exact.get(bare);
      if (!found) {
        const base = names.find(
          (name) => bare.startsWith(name) && versionSuffix.test(bare.slice(name.length)),
        );
        if (base) found = exact.get(base);
      }
    }
    if (cache.size < 10_000) cache.set(key, found ?? null);
    return found;
  };
}

export function createPriceTable(options: PriceTableOptions = {}): PriceTable {
  const overrides = new Map(Object.entries(options.models ?? {}));
  const selfHosted = new Map(Object.entries(options.selfHosted ?? {}));
  const lookupOverride = createModelLookup(overrides);
  const lookupDefault = createModelLookup(
    defaultModelPrices.map((entry) => [entry.model, entry.price] as [string, ModelPrice]),
  );
  const priceFor = (deployment: PricedDeployment): ModelPrice | undefined => {
    const byId = overrides.get(deployment.id);
    if (byId) return byId;
    const hosted = selfHosted.get(deployment.id) ?? selfHosted.get(deployment.provider);
    if (hosted) return selfHostedModelPrice(hosted);
    return lookupOverride(deployment.model) ?? lookupDefault(deployment.model);
  };
  return {
    priceFor,
    costOf(deployment, usage) {
      const price = priceFor(deployment);
      return price ? computeCostUsd(price, usage) : null;
    },
  };
}

let activeTable: PriceTable = createPriceTable();

/** Installs the table built from the configuration (the gateway does this at start). */
export function setActivePriceTable(table: PriceTable): void {
  activeTable = table;
}

export function getActivePriceTable(): PriceTable {
  return activeTable;
}

/** The price of a deployment's model, or undefined when it is unknown. */
export function priceFor(
  deployment: PricedDeployment,
  table: PriceTable = activeTable,
): ModelPrice | undefined {
  return table.priceFor(deployment);
}

/** USD cost of one call, or null when the model's price is unknown (never 0 for unknown). */
export function costOf(
  deployment: PricedDeployment,
  usage: Usage,
  table: PriceTable = activeTable,
): number | null {
  return table.costOf(deployment, usage);
}
