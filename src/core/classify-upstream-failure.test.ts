import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyTransportError,
  classifyUpstreamStatus,
  parseRetryAfterMs,
} from './classify-upstream-failure.js';
import { UpstreamError } from './gateway-error.js';

describe('upstream failure classification', () => {
  it('classifies HTTP statuses, reading the body for quota and content policy', () => {
    assert.equal(
      classifyUpstreamStatus(429, '{"error":{"type":"rate_limit_error"}}'),
      'rate_limited',
    );
    assert.equal(
      classifyUpstreamStatus(
        429,
        '{"error":{"code":"insufficient_quota","message":"check your plan and billing"}}',
      ),
      'quota_exceeded',
    );
    assert.equal(classifyUpstreamStatus(529), 'overloaded');
    assert.equal(classifyUpstreamStatus(503), 'overloaded');
    assert.equal(classifyUpstreamStatus(500), 'server');
    assert.equal(classifyUpstreamStatus(502), 'server');
    assert.equal(classifyUpstreamStatus(408), 'timeout');
    assert.equal(classifyUpstreamStatus(409), 'server');
    for (const status of [400, 401, 403, 404, 413, 422]) {
      assert.equal(classifyUpstreamStatus(status, '{"error":{"message":"bad"}}'), 'client');
    }
    assert.equal(
      classifyUpstreamStatus(400, '{"error":{"code":"content_policy_violation"}}'),
      'content_policy',
    );
    assert.equal(
      classifyUpstreamStatus(400, '{"error":{"code":"content_filter"}}'),
      'content_policy',
    );
  });

  it('classifies transport errors by code: connect, connect timeout, TTFT, idle, reset, malformed', () => {
    const kind = (code: string) => classifyTransportError(Object.assign(new Error(code), { code }));
    assert.equal(kind('ECONNREFUSED'), 'connect');
    assert.equal(kind('ENOTFOUND'), 'connect');
    assert.equal(kind('UND_ERR_CONNECT_TIMEOUT'), 'connect_timeout');
    assert.equal(kind('UND_ERR_HEADERS_TIMEOUT'), 'ttft_timeout');
    assert.equal(kind('UND_ERR_BODY_TIMEOUT'), 'idle_timeout');
    assert.equal(kind('ECONNRESET'), 'reset');
    assert.equal(kind('UND_ERR_SOCKET'), 'reset');
    assert.equal(kind('HPE_INVALID_CONSTANT'), 'malformed');
    assert.equal(classifyTransportError(new Error('no code')), undefined);
  });

  it('parses retry-after in seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfterMs({ 'retry-after': '7' }, now), 7000);
    assert.equal(
      parseRetryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now),
      30_000,
    );
    assert.equal(parseRetryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '9' }, now), 1500);
    assert.equal(parseRetryAfterMs({ 'retry-after': 'soon' }, now), undefined);
    assert.equal(parseRetryAfterMs({}, now), undefined);
  });

  it('falls back on every kind but client errors and content-policy refusals', () => {
    const error = (kind: UpstreamError['kind']) =>
      new UpstreamError('x', { provider: 'p', deployment: 'd', kind });
    assert.equal(error('client').retryable, false);
    assert.equal(error('content_policy').retryable, false);
    for (const kind of [
      'timeout',
      'ttft_timeout',
      'idle_timeout',
      'connect_timeout',
      'connect',
      'reset',
      'rate_limited',
      'quota_exceeded',
      'overloaded',
      'server',
      'truncated_stream',
      'malformed',
    ] as const) {
      assert.equal(error(kind).retryable, true, kind);
    }
    assert.equal(error('connect_timeout').code, 'upstream_timeout');
    assert.equal(error('quota_exceeded').code, 'upstream_rate_limited');
  });
});
