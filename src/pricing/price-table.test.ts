import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUsage } from '../core/index.js';
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
