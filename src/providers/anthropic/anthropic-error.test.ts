import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAnthropicHttpError, createAnthropicStreamError } from './anthropic-error.js';

const origin = { provider: 'anthropic', deployment: 'claude[0]' };
const body = (type: string, message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'error', error: { type, message, ...extra }, request_id: 'req_1' });

describe('createAnthropicHttpError', () => {
  it('429 rate_limit_error: retryable, retry-after in seconds', () => {
    const error = createAnthropicHttpError(
      429,
      { 'retry-after': '7' },
      body('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
      origin,
    );
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.code, 'upstream_rate_limited');
    assert.equal(error.retryAfterMs, 7000);
    assert.equal(error.retryable, true);
    assert.equal(error.upstreamStatus, 429);
    assert.match(error.message, /per-minute rate limit/);
  });

  it('429 for a reached spend limit: no retry-after, the error code kept', () => {
    const error = createAnthropicHttpError(
      429,
      { 'retry-after': '30' },
      body('rate_limit_error', 'spend limit reached', {
        details: { error_code: 'enforced_spend_limit_reached' },
      }),
      origin,
    );
    assert.equal(error.retryAfterMs, undefined);
    assert.deepEqual(error.details, { anthropicErrorCode: 'enforced_spend_limit_reached' });
  });

  it('529 overloaded_error and 5xx api_error are retryable; 4xx are passed on with their status', () => {
    const overloaded = createAnthropicHttpError(
      529,
      {},
      body('overloaded_error', 'Overloaded'),
      origin,
    );
    assert.equal(overloaded.kind, 'overloaded');
    assert.equal(overloaded.code, 'upstream_overloaded');
    assert.equal(overloaded.retryable, true);
    const server = createAnthropicHttpError(
      500,
      {},
      body('api_error', 'Internal server error'),
      origin,
    );
    assert.equal(server.kind, 'server');
    assert.equal(server.retryable, true);
    for (const status of [400, 401, 403, 404, 413]) {
      const client = createAnthropicHttpError(
        status,
        {},
        body('invalid_request_error', 'no'),
        origin,
      );
      assert.equal(client.kind, 'client');
      assert.equal(client.status, status);
      assert.equal(client.retryable, false);
    }
  });

  it('a body that is not JSON still gives a message, redacted', () => {
    const error = createAnthropicHttpError(
      502,
      {},
      '<html>Bad gateway sk-ant-abcdefghijkl</html>',
      origin,
    );
    assert.equal(error.kind, 'server');
    assert.doesNotMatch(error.bodyExcerpt ?? '', /abcdefghijkl/);
  });
});

describe('createAnthropicStreamError', () => {
  it('maps the in-stream error type to the failure kind', () => {
    assert.equal(
      createAnthropicStreamError({ type: 'overloaded_error', message: 'x' }, origin).kind,
      'overloaded',
    );
    assert.equal(
      createAnthropicStreamError({ type: 'rate_limit_error' }, origin).kind,
      'rate_limited',
    );
    assert.equal(createAnthropicStreamError({ type: 'api_error' }, origin).kind, 'server');
    assert.equal(createAnthropicStreamError(undefined, origin).kind, 'server');
  });
});
