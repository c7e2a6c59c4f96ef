import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from './load-config.js';

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseConfig(raw, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('routing config', () => {
  it('defaults: no routers, residency off', () => {
    const config = parseConfig({}, {});
    assert.deepEqual(config.routing, { residency: 'off', routers: {} });
  });

  it('names each wrong reference by its key path', () => {
    const found = problems({
      providers: {
        local: { type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', replicas: ['http://a:1/v1'] },
      },
      models: { auto: [{ provider: 'local', model: 'm' }] },
      routing: {
        routers: {
          auto: {
            tiers: { trivial: 'nope', moderate: 'auto', hard: 'auto' },
            rules: [{ when: { tools: true }, tier: 'hard', model: 'auto' }],
            classifier: { type: 'llm-judge', model: 'missing' },
          },
        },
      },
    });
    assert.ok(
      found.includes(
        'routing.routers.auto.rules[0]: a rule names exactly one of `tier` or `model`',
      ),
    );
    assert.ok(
      found.some((line) =>
        line.startsWith('routing.routers.auto: router alias "auto" is also a model alias'),
      ),
    );
    assert.ok(
      found.includes(
        'routing.routers.auto.tiers.trivial: unknown model alias "nope" (known: auto)',
      ),
    );
    assert.ok(
      found.includes(
        'routing.routers.auto.classifier.model: unknown model alias "missing" (known: auto)',
      ),
    );
    assert.ok(
      found.includes('providers.local.replicas: replica pools need type: openai-compatible'),
    );
  });

  it('takes the first replica as baseUrl and fills pool defaults', () => {
    const config = parseConfig(
      {
        providers: {
          vllm: {
            type: 'openai-compatible',
            replicas: ['http://a:8000/v1', 'http://b:8000/v1'],
            pool: {},
          },
        },
      },
      {},
    );
    const provider = config.providers.vllm!;
    assert.equal(provider.baseUrl, 'http://a:8000/v1');
    assert.equal(provider.pool?.affinity.loadFactor, 1.25);
    assert.equal(provider.pool?.health.path, '/health');
    assert.equal(provider.pool?.cacheSalt, true);
  });
});
