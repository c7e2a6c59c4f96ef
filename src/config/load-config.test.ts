import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfigFile, parseConfig } from './load-config.js';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the config to be rejected');
}

const valid = {
  providers: {
    openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: '${OPENAI_API_KEY}' },
    vllm: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1' },
  },
  models: { fast: [{ provider: 'vllm', model: 'llama' }] },
};

describe('config validation', () => {
  it('names the key path of an unknown provider reference and lists the known ones', () => {
    const problems = problemsOf(() =>
      parseConfig(
        { ...valid, models: { fast: [{ provider: 'opanai', model: 'gpt-4o' }] } },
        { OPENAI_API_KEY: 'k' },
      ),
    );
    assert.deepEqual(problems, [
      'models.fast[0].provider: unknown provider "opanai" (known: openai, vllm)',
    ]);
  });

  it('names an unknown provider type with the known types', () => {
    const problems = problemsOf(() =>
      parseConfig({ providers: { x: { type: 'opanai', baseUrl: 'http://h/v1' } } }, {}),
    );
    assert.deepEqual(problems, [
      'providers.x.type: unknown provider type "opanai" (known: openai, openai-compatible, anthropic, bedrock)',
    ]);
  });

  it('reports a missing environment variable with the key that uses it', () => {
    const problems = problemsOf(() => parseConfig(valid, {}));
    assert.deepEqual(problems, [
      'providers.openai.apiKey: environment variable OPENAI_API_KEY is not set',
    ]);
  });

  it('applies ${VAR:-default} and types a whole-reference number', () => {
    const config = parseConfig(
      { ...valid, server: { port: '${PORT:-4100}', host: '${HOST:-0.0.0.0}' } },
      { OPENAI_API_KEY: 'secret' },
    );
    assert.equal(config.server.port, 4100);
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.providers.openai?.apiKey, 'secret');
  });

  it('rejects unknown keys, wrong types and bad URLs, naming each path', () => {
    const problems = problemsOf(() =>
      parseConfig(
        {
          servr: {},
          server: { port: 'eighty' },
          providers: { p: { type: 'openai', baseUrl: 'not a url' } },
          models: { empty: [] },
        },
        {},
      ),
    );
    assert.ok(problems.includes('(root): unknown key "servr"'), problems.join('\n'));
    assert.ok(
      problems.some((p) => p.startsWith('server.port: ')),
      problems.join('\n'),
    );
    assert.ok(
      problems.includes('providers.p.baseUrl: expected an http(s) URL'),
      problems.join('\n'),
    );
    assert.ok(
      problems.includes('models.empty: expected at least one deployment'),
      problems.join('\n'),
    );
  });

  it('loads a YAML file and reports YAML syntax errors', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'switchyard-config-'));
    const good = join(directory, 'good.yaml');
    await writeFile(
      good,
      'providers:\n  local:\n    type: openai-compatible\n    baseUrl: http://127.0.0.1:8000/v1\nmodels:\n  fast:\n    - provider: local\n      model: m\n',
    );
    const config = await loadConfigFile(good, {});
    assert.equal(config.models.fast?.[0]?.model, 'm');
    assert.equal(config.server.bodyLimitBytes, 4 * 1024 * 1024);
    const bad = join(directory, 'bad.yaml');
    await writeFile(bad, 'models: [unclosed\n');
    await assert.rejects(loadConfigFile(bad, {}), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.problems[0] ?? '', /^YAML syntax: /);
      return true;
    });
    await assert.rejects(
      loadConfigFile(join(directory, 'missing.yaml'), {}),
      /cannot read file: ENOENT/,
    );
  });
});
