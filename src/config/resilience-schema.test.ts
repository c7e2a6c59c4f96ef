import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from './load-config.js';

const base = {
  providers: { up: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1' } },
  models: { fast: [{ provider: 'up', model: 'm' }] },
};

describe('resilience config', () => {
  it('defaults every key, so a config without the section works', () => {
    const config = parseConfig(base, {}, 'test');
    assert.equal(config.resilience.requestTimeoutMs, 600_000);
    assert.equal(config.resilience.retries.maxRetries, 1);
    assert.deepEqual(config.resilience.retries.on, [
      'rate_limited',
      'overloaded',
      'connect',
      'connect_timeout',
    ]);
    assert.equal(config.resilience.breaker.consecutiveFailures, 5);
    assert.equal(config.resilience.breaker.failureRate, undefined);
    assert.deepEqual(config.resilience.aliases, {});
  });

  it('accepts per-alias overrides of known aliases and names an unknown one', () => {
    const ok = parseConfig(
      { ...base, resilience: { aliases: { fast: { retries: 0, requestTimeoutMs: 5000 } } } },
      {},
      'test',
    );
    assert.deepEqual(ok.resilience.aliases.fast, { retries: 0, requestTimeoutMs: 5000 });
    assert.throws(
      () => parseConfig({ ...base, resilience: { aliases: { fsat: { retries: 0 } } } }, {}, 'test'),
      (error: unknown) =>
        error instanceof ConfigError &&
        /resilience\.aliases\.fsat: unknown model alias "fsat" \(known: fast\)/.test(error.message),
    );
  });

  it('refuses a retry kind that is final, naming the key', () => {
    assert.throws(
      () => parseConfig({ ...base, resilience: { retries: { on: ['client'] } } }, {}, 'test'),
      (error: unknown) =>
        error instanceof ConfigError && /resilience\.retries\.on\[0\]/.test(error.message),
    );
  });
});
