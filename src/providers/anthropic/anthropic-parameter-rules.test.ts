import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/index.js';
import { applyAnthropicParameterRules } from './anthropic-parameter-rules.js';

function apply(apiVersion: string, model: string, body: Record<string, unknown>) {
  const copy = { ...body };
  applyAnthropicParameterRules({ body: copy, apiVersion, model, policy: 'drop' });
  return copy;
}

const sampling = { temperature: 0.2, top_p: 0.9, top_k: 5, max_tokens: 10 };

describe('applyAnthropicParameterRules', () => {
  it('2026-10-21 removes temperature, top_p and top_k on every model, even at default values', () => {
    for (const model of ['claude-3-5-haiku-20241022', 'claude-sonnet-4-5', 'claude-opus-4-8']) {
      assert.deepEqual(apply('2026-10-21', model, sampling), { max_tokens: 10 });
    }
    assert.deepEqual(apply('2026-10-21', 'claude-sonnet-4-5', { temperature: 1 }), {});
  });

  it('2023-06-01: models that take sampling keep it', () => {
    assert.deepEqual(apply('2023-06-01', 'claude-3-5-haiku-20241022', sampling), sampling);
    assert.deepEqual(apply('2023-06-01', 'claude-sonnet-4-20250514', sampling), sampling);
    assert.deepEqual(apply('2023-06-01', 'some-compatible-model', sampling), sampling);
  });

  it('2023-06-01: Opus 4.1+ / Sonnet 4.5+ / Haiku 4.5+ refuse temperature with top_p: top_p goes', () => {
    for (const model of ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5', 'claude-opus-4-1']) {
      assert.deepEqual(apply('2023-06-01', model, sampling), {
        temperature: 0.2,
        top_k: 5,
        max_tokens: 10,
      });
      assert.deepEqual(apply('2023-06-01', model, { top_p: 0.9 }), { top_p: 0.9 });
    }
  });

  it('2023-06-01: Opus 4.7+, Sonnet 5+, Haiku 5.5+, Fable and Mythos reject all sampling', () => {
    for (const model of [
      'claude-opus-4-7',
      'claude-opus-5',
      'claude-sonnet-5-5',
      'claude-haiku-5-5',
      'claude-fable-5',
      'us.anthropic.claude-opus-4-8-v1:0',
    ]) {
      assert.deepEqual(apply('2023-06-01', model, sampling), { max_tokens: 10 }, model);
    }
    // Sonnet 4.6 is not on the always-reject list.
    assert.equal(apply('2023-06-01', 'claude-sonnet-4-6', { temperature: 0.3 }).temperature, 0.3);
  });

  it("'refuse' throws a 400 naming the parameter instead of dropping it", () => {
    assert.throws(
      () =>
        applyAnthropicParameterRules({
          body: { top_k: 3 },
          apiVersion: '2026-10-21',
          model: 'claude-sonnet-4-5',
          policy: 'refuse',
        }),
      (error: unknown) =>
        error instanceof GatewayError && error.status === 400 && error.param === 'top_k',
    );
  });
});
