import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from './load-config.js';

const env = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: 'token',
};

function problemsOf(raw: Record<string, unknown>, environment: Record<string, string>): string[] {
  try {
    parseConfig(raw, environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('bedrock provider config', () => {
  it('takes region and credentials from the AWS environment variables, endpoint from the region', () => {
    const config = parseConfig({ providers: { aws: { type: 'bedrock' } } }, env);
    const provider = config.providers.aws;
    assert.equal(provider?.baseUrl, 'https://bedrock-runtime.eu-west-1.amazonaws.com');
    assert.equal(provider?.region, 'eu-west-1');
    assert.equal(provider?.accessKeyId, 'AKIDEXAMPLE');
    assert.equal(provider?.secretAccessKey, 'secret');
    assert.equal(provider?.sessionToken, 'token');
    assert.equal(provider?.apiKey, undefined);
  });

  it('prefers credentials written in the file and a baseUrl override', () => {
    const config = parseConfig(
      {
        providers: {
          aws: {
            type: 'bedrock',
            region: 'us-east-1',
            baseUrl: 'http://127.0.0.1:9000',
            accessKeyId: 'AKIDFILE',
            secretAccessKey: 'file-secret',
            usageInputTokens: 'inclusive',
          },
        },
      },
      env,
    );
    const provider = config.providers.aws;
    assert.equal(provider?.baseUrl, 'http://127.0.0.1:9000');
    assert.equal(provider?.accessKeyId, 'AKIDFILE');
    assert.equal(provider?.sessionToken, undefined);
    assert.equal(provider?.usageInputTokens, 'inclusive');
  });

  it('takes a Bedrock API key from AWS_BEARER_TOKEN_BEDROCK', () => {
    const config = parseConfig(
      { providers: { aws: { type: 'bedrock', region: 'us-west-2' } } },
      { AWS_BEARER_TOKEN_BEDROCK: 'ABSKkey' },
    );
    assert.equal(config.providers.aws?.apiKey, 'ABSKkey');
  });

  it('names the missing region and the missing credentials', () => {
    const problems = problemsOf({ providers: { aws: { type: 'bedrock' } } }, {});
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.equal(problems[0], 'providers.aws.region: environment variable AWS_REGION is not set');
    assert.match(problems[1] ?? '', /^providers\.aws: a bedrock provider needs credentials/);
    const noCredentials = problemsOf(
      { providers: { aws: { type: 'bedrock', region: 'us-east-1' } } },
      {},
    );
    assert.equal(noCredentials.length, 1);
    assert.match(noCredentials[0] ?? '', /^providers\.aws: a bedrock provider needs credentials/);
  });
});
