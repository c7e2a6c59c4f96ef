// Residency: with `strict`, a request from region eu is only ever sent to eu deployments, even when
// all of them fail (503 naming the attempts, the us deployment untouched); a chain with no eu
// deployment is refused with residency_unavailable; `prefer` tries in-region first.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

describe('residency', () => {
  let euA: Emulator;
  let euB: Emulator;
  let us: Emulator;
  let strict: TestGateway;
  let prefer: TestGateway;

  const config = (residency: string) => ({
    providers: {
      'eu-a': { type: 'openai', baseUrl: `${euA.url}/v1`, region: 'eu' },
      'eu-b': { type: 'openai', baseUrl: `${euB.url}/v1`, region: 'eu' },
      us: { type: 'openai', baseUrl: `${us.url}/v1`, region: 'us' },
    },
    models: {
      chat: [
        { provider: 'us', model: 'gpt-4o-mini' },
        { provider: 'eu-a', model: 'gpt-4o-mini' },
        { provider: 'eu-b', model: 'gpt-4o-mini' },
      ],
      'us-only': [{ provider: 'us', model: 'gpt-4o-mini' }],
    },
    routing: { residency },
    resilience: { retries: { maxRetries: 0 }, breaker: { enabled: false } },
  });

  before(async () => {
    euA = await startEmulator({ kind: 'openai', name: 'eu-a' });
    euB = await startEmulator({ kind: 'openai', name: 'eu-b' });
    us = await startEmulator({ kind: 'openai', name: 'us' });
    strict = await startGateway(config('strict'));
    prefer = await startGateway(config('prefer'));
  });

  after(async () => {
    await strict.close();
    await prefer.close();
    await Promise.all([euA.close(), euB.close(), us.close()]);
  });

  const ask = (gateway: TestGateway, model: string, region: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-region': region },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    });

  it('strict: serves an eu request from eu only', async () => {
    const usBefore = us.requests.length;
    const response = await ask(strict, 'chat', 'eu');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-provider'), 'eu-a');
    assert.match(response.headers.get('x-switchyard-route') ?? '', /region=eu;residency=strict/);
    assert.equal(us.requests.length, usBefore);
  });

  it('strict: never falls back across regions when every eu deployment fails', async () => {
    euA.setFaults({ status: 503 });
    euB.setFaults({ status: 500 });
    const usBefore = us.requests.length;
    const response = await ask(strict, 'chat', 'eu');
    euA.clearFaults();
    euB.clearFaults();
    assert.equal(response.status, 503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'upstream_unavailable');
    assert.match(body.error.message, /eu-a/);
    assert.match(body.error.message, /eu-b/);
    assert.doesNotMatch(body.error.message, /\bus\//);
    assert.equal(us.requests.length, usBefore, 'the us deployment was never called');
  });

  it('strict: refuses a chain with no deployment in the region, sending nothing', async () => {
    const usBefore = us.requests.length;
    const response = await ask(strict, 'us-only', 'eu');
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('x-should-retry'), 'false');
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'residency_unavailable');
    assert.match(body.error.message, /region 'eu'/);
    assert.equal(us.requests.length, usBefore);
  });

  it('prefer: tries in-region first, then falls back elsewhere', async () => {
    const first = await ask(prefer, 'chat', 'eu');
    assert.equal(first.headers.get('x-switchyard-provider'), 'eu-a');
    euA.setFaults({ status: 503 });
    euB.setFaults({ status: 503 });
    const second = await ask(prefer, 'chat', 'eu');
    euA.clearFaults();
    euB.clearFaults();
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-switchyard-provider'), 'us');
  });
});
