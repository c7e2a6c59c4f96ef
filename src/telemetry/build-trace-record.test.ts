// The trace record's attempts keep their keys and order (the spool and the jsonb column store them
// as written), and the cost header's USD format has no exponent and no trailing zeros.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestContext } from '../pipeline/request-context.js';
import { createPriceTable } from '../pricing/price-table.js';
import { buildTraceRecord } from './build-trace-record.js';
import { formatUsd } from './create-telemetry.js';

function context(overrides: Partial<RequestContext>): RequestContext {
  return {
    requestId: 'r1',
    surface: { name: 'openai' },
    operation: 'chat',
    startedAt: Date.parse('2026-11-27T08:00:00.123Z'),
    startTime: 0,
    headers: {},
    body: {},
    metadata: {},
    attempts: [],
    streamed: false,
    upstreamMs: 0,
    ...overrides,
  } as unknown as RequestContext;
}

describe('buildTraceRecord', () => {
  it('keeps each attempt as deployment, provider, outcome, errorKind?, status?, latencyMs', () => {
    const record = buildTraceRecord(
      {
        context: context({
          attempts: [
            {
              deployment: 'a',
              provider: 'p',
              startedAt: 0,
              durationMs: 1.23456,
              outcome: 'error',
              errorKind: 'timeout',
              message: 'not kept',
            },
            {
              deployment: 'a',
              provider: 'p',
              startedAt: 0,
              durationMs: 2,
              outcome: 'error',
              errorKind: 'server',
              status: 503,
              retry: 1,
            },
            { deployment: 'b', provider: 'q', startedAt: 0, durationMs: 3, outcome: 'error' },
            {
              deployment: 'c',
              provider: 'r',
              startedAt: 0,
              durationMs: 4,
              outcome: 'success',
              status: 200,
            },
          ],
        }),
        durationMs: 12,
        status: 200,
        aborted: false,
      },
      { prices: createPriceTable() },
    );
    assert.equal(
      JSON.stringify(record.attempts),
      JSON.stringify([
        {
          deployment: 'a',
          provider: 'p',
          outcome: 'error',
          errorKind: 'timeout',
          latencyMs: 1.235,
        },
        {
          deployment: 'a',
          provider: 'p',
          outcome: 'error',
          errorKind: 'server',
          status: 503,
          latencyMs: 2,
        },
        { deployment: 'b', provider: 'q', outcome: 'error', latencyMs: 3 },
        { deployment: 'c', provider: 'r', outcome: 'success', status: 200, latencyMs: 4 },
      ]),
    );
    assert.equal(record.time, '2026-11-27T08:00:00.123Z');
  });

  it('names the error class from the last failed attempt', () => {
    const failed = (errorKind?: string) => ({
      deployment: 'a',
      provider: 'p',
      startedAt: 0,
      durationMs: 1,
      outcome: 'error' as const,
      ...(errorKind ? { errorKind } : {}),
    });
    const build = (attempts: RequestContext['attempts']) =>
      buildTraceRecord(
        {
          context: context({
            attempts,
            error: { code: 'upstream_error' } as NonNullable<RequestContext['error']>,
          }),
          durationMs: 1,
          status: 502,
          aborted: false,
        },
        { prices: createPriceTable() },
      ).errorClass;
    assert.equal(build([failed('timeout'), failed('server')]), 'server');
    assert.equal(build([failed('timeout'), failed()]), 'upstream_error');
    assert.equal(build([]), 'upstream_error');
  });

  it('gives each request its own start time', () => {
    const times = [0, 0, 1, 1000].map(
      (offset) =>
        buildTraceRecord(
          {
            context: context({ startedAt: Date.parse('2026-11-27T08:00:00.000Z') + offset }),
            durationMs: 1,
            status: 200,
            aborted: false,
          },
          { prices: createPriceTable() },
        ).time,
    );
    assert.deepEqual(times, [
      '2026-11-27T08:00:00.000Z',
      '2026-11-27T08:00:00.000Z',
      '2026-11-27T08:00:00.001Z',
      '2026-11-27T08:00:01.000Z',
    ]);
  });
});

describe('formatUsd', () => {
  it('matches toFixed(10) with the trailing zeros and point cut', () => {
    const reference = (value: number) => value.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
    const values = [0, 1, 10, 100, 0.1, 0.000105, 1e-11, 5e-11, 123.456, 1e20, 2.5e-6, 1 / 3];
    for (let index = 0; index < 2000; index++) {
      values.push(Math.random() * 10 ** (Math.floor(Math.random() * 14) - 10));
    }
    for (const value of values) assert.equal(formatUsd(value), reference(value), String(value));
    assert.equal(formatUsd(0.000105), '0.000105');
    assert.equal(formatUsd(0), '0');
    assert.equal(formatUsd(12), '12');
  });
});
