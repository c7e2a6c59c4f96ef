// With virtual keys: a router rule on the key's tier, and the key's region (which wins over the
// x-switchyard-region header) under strict residency.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

const premiumKey = 'sk-premium-0123456789abcdef';
const euKey = 'sk-eu-only-0123456789abcdef';

describe('routing by key', () => {
  let small: Emulator;
  let big: Emulator;
  let euSmall: Emulator;
  let gateway: TestGateway;

  before(async () => {
    small = await startEmulator({ kind: 'openai', name: 'small' });
    big = await startEmulator({ kind: 'openai', name: 'big' });
    euSmall = await startEmulator({ kind: 'openai', name: 'eu-small' });
    gateway = await startGateway({
      providers: {
        small: { type: 'openai', baseUrl: `${small.url}/v1`, region: 'us' },
        'eu-small': { type: 'openai', baseUrl: `${euSmall.url}/v1`, region: 'eu' },
        big: { type: 'openai', baseUrl: `${big.url}/v1`, region: 'us' },
      },
      models: {
        cheap: [
          { provider: 'small', model: 'gpt-small' },
          { provider: 'eu-small', model: 'gpt-small' },
        ],
        strong: [{ provider: 'big', model: 'gpt-big' }],
      },
      keys: {
        static: [
          { key: premiumKey, user: 'pat', tier: 'premium' },
          { key: euKey, team: 'berlin', tier: 'free', region: 'eu' },
        ],
      },
      routing: {
        residency: 'strict',
        routers: {
          auto: {
            tiers: { trivial: 'cheap', moderate: 'cheap', hard: 'strong' },
            rules: [{ name: 'premium-gets-strong', when: { keyTier: 'premium' }, tier: 'hard' }],
          },
        },
      },
    });
  });

  after(async () => {
    await gateway.close();
    await Promise.all([small.close(), big.close(), euSmall.close()]);
  });

  const ask = (key: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello there' }] }),
    });

  it('routes a premium key to the hard tier by rule', async () => {
    const response = await ask(premiumKey);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-provider'), 'big');
    assert.match(response.headers.get('x-switchyard-route') ?? '', /rule=premium-gets-strong/);
  });

  it("keeps an eu key's request in eu even when the header asks for us", async () => {
    const usBefore = small.requests.length;
    const response = await ask(euKey, { 'x-switchyard-region': 'us' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-provider'), 'eu-small');
    assert.match(response.headers.get('x-switchyard-route') ?? '', /region=eu;residency=strict/);
    assert.equal(small.requests.length, usBefore);
  });
});
