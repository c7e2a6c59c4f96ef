import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUsage } from '../core/index.js';
import { defaultModelPrices } from './default-model-prices.js';
import { costOf, createPriceTable, priceFor, selfHostedPricePerMTok } from './price-table.js';

const deployment = (provider: string, model: string) => ({
  id: `${provider}/${model}`,
  provider,
  model,
});

describe('price table', () => {
  it('knows a shipped model, its dated snapshots and Bedrock geography prefixes', () => {
    const base = priceFor(deployment('anthropic', 'claude-opus-4-5'));
    assert.ok(base);
    assert.deepEqual(priceFor(deployment('anthropic', 'claude-opus-4-5-20251101')), base);
    assert.deepEqual(priceFor(deployment('anthropic', 'CLAUDE-OPUS-4-5')), base);
  });

  it('does not price a different model by prefix', () => {
    const table = createPriceTable({
      models: { 'my-model': { inputPerMTok: 1, outputPerMTok: 2 } },
    });
    assert.equal(table.priceFor(deployment('x', 'my-model-large')), undefined);
    assert.ok(table.priceFor(deployment('x', 'my-model-2025-01-01')));
  });

  it('returns null, not 0, for an unknown model', () => {
    const usage = createUsage({ inputNoCache: 10, outputTotal: 5 });
    assert.equal(costOf(deployment('vllm', 'llama-3.1-8b'), usage), null);
  });

  it('config overrides by deployment id win over model name and the shipped table', () => {
    const table = createPriceTable({
      models: {
        'claude-opus-4-5': { inputPerMTok: 1, outputPerMTok: 1 },
        'special/claude-opus-4-5': { inputPerMTok: 7, outputPerMTok: 9 },
      },
    });
    assert.equal(table.priceFor(deployment('anthropic', 'claude-opus-4-5'))?.inputPerMTok, 1);
    assert.equal(table.priceFor(deployment('special', 'claude-opus-4-5'))?.inputPerMTok, 7);
  });

  it('prices a self-hosted deployment by GPU-hour and sustained throughput', () => {
    // SPEC C18 reference case: $1.50/h at 2,000 tokens/s → 1.5e6 / 7.2e6 = $0.2083 per 1M tokens.
    const perMTok = selfHostedPricePerMTok({ gpuHourUsd: 1.5, tokensPerSecond: 2000 });
    assert.ok(Math.abs(perMTok - 0.208333333) < 1e-6, String(perMTok));
    const table = createPriceTable({
      selfHosted: { vllm: { gpuHourUsd: 1.5, tokensPerSecond: 2000 } },
    });
    const usage = createUsage({ inputNoCache: 600_000, cacheRead: 200_000, outputTotal: 200_000 });
    const cost = table.costOf(deployment('vllm', 'llama-3.1-8b'), usage);
    assert.ok(cost !== null && Math.abs(cost - perMTok) < 1e-12, String(cost));
  });
});

describe('shipped prices', () => {
  it('every row is dated, sourced, and has non-negative rates', () => {
    for (const entry of defaultModelPrices) {
      assert.match(entry.checkedOn, /^\d{4}-\d{2}-\d{2}$/, entry.model);
      assert.match(entry.source, /^https:\/\//, entry.model);
      if (!entry.confirmed) assert.ok(entry.note, `${entry.model}: an unconfirmed row says why`);
      for (const value of Object.values(entry.price)) assert.ok(value >= 0, entry.model);
    }
    assert.equal(
      new Set(defaultModelPrices.map((entry) => entry.model)).size,
      defaultModelPrices.length,
    );
  });

  it('resolves OpenAI snapshots and Bedrock versioned ids with geography prefixes', () => {
    assert.equal(priceFor(deployment('openai', 'gpt-4o-mini-2024-07-18'))?.inputPerMTok, 0.15);
    assert.equal(priceFor(deployment('openai', 'gpt-4o-2024-08-06'))?.inputPerMTok, 2.5);
    const bedrock = priceFor(deployment('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'));
    assert.equal(bedrock?.cacheWritePerMTok, 3.75);
    assert.equal(priceFor(deployment('bedrock', 'amazon.nova-pro-v1:0'))?.outputPerMTok, 3.2);
    assert.equal(priceFor(deployment('openai', 'gpt-4o-audio-preview')), undefined);
  });
});
