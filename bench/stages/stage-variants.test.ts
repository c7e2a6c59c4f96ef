// The stage-cost bench's pure parts: which configs it compares and how rounds become costs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseGatewayConfig } from '../gateway-config.js';
import {
  stageCosts,
  summarizeRounds,
  variantsFor,
  withStagesOff,
  type TargetSummary,
} from './stage-variants.js';

const production = () =>
  baseGatewayConfig({
    port: 4000,
    upstreamUrl: 'http://127.0.0.1:1',
    upstreamKind: 'openai',
    dataDir: '/tmp/x',
  });

describe('stage variants', () => {
  it('compares all, one stage off at a time, and none', () => {
    assert.deepEqual(
      variantsFor(['traces', 'log']).map((variant) => variant.name),
      ['all', 'without-traces', 'without-log', 'none'],
    );
    assert.equal(variantsFor().length, 8);
  });

  it('turns each stage off in a copy of the production config', () => {
    const config = production();
    const none = withStagesOff(config, ['log', 'traces', 'metrics', 'keys', 'limits', 'cache']);
    assert.deepEqual(none.logging, { level: 'warn' });
    assert.deepEqual(none.traces, { enabled: false });
    assert.deepEqual(none.metrics, { enabled: false });
    assert.deepEqual(none.keys, { required: false });
    assert.equal(none.limits, undefined);
    assert.deepEqual(none.cache, { enabled: false });
    assert.deepEqual(config, production(), 'the input is not changed');
    assert.deepEqual(withStagesOff(config, []), config);
  });

  it('summarises rounds: median req/s, CPU per request over all rounds', () => {
    const summary = summarizeRounds('all', [
      { requests: 3000, seconds: 1, mainMs: 600, totalMs: 900 },
      { requests: 1000, seconds: 1, mainMs: 200, totalMs: 300 },
      { requests: 2000, seconds: 1, mainMs: 400, totalMs: 600 },
    ]);
    assert.deepEqual(summary, { name: 'all', medianRps: 2000, mainUs: 200, totalUs: 300 });
  });

  it('costs a stage as all minus the variant without it', () => {
    const summaries: TargetSummary[] = [
      { name: 'bare-proxy', medianRps: 5000, mainUs: 100, totalUs: 110 },
      { name: 'all', medianRps: 3000, mainUs: 200, totalUs: 300 },
      { name: 'without-traces', medianRps: 3500, mainUs: 180, totalUs: 230 },
      { name: 'without-log', medianRps: 3100, mainUs: 205, totalUs: 298 },
      { name: 'none', medianRps: 4500, mainUs: 120, totalUs: 130 },
    ];
    assert.deepEqual(stageCosts(summaries), [
      { stage: 'traces', mainUs: 20, totalUs: 70 },
      { stage: 'log', mainUs: -5, totalUs: 2 },
    ]);
    assert.deepEqual(stageCosts(summaries.filter((summary) => summary.name !== 'all')), []);
  });
});
