// With virtual keys, the cache tenant is the key's team (or user): keys of one team share cached
// answers, another team's key never gets them, and a client-sent user header cannot cross over.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

describe('cache tenants from virtual keys', () => {
  let emulator: Emulator;
  let gateway: TestGateway;
  const platformA = 'sy-platform-a-0123456789abcdef';
  const platformB = 'sy-platform-b-0123456789abcdef';
  const research = 'sy-research-0123456789abcdef';
  const soloUser = 'sy-solo-user-0123456789abcdef';

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        {
          traces: { enabled: false },
          keys: {
            static: [
              { key: platformA, name: 'a', team: 'platform' },
              { key: platformB, name: 'b', team: 'platform' },
              { key: research, name: 'r', team: 'research' },
              { key: soloUser, name: 's', user: 'platform' },
            ],
          },
          cache: {},
        },
      ),
    );
  });

  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  async function ask(key: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify({
        model: 'fast',
        temperature: 0,
        messages: [{ role: 'user', content: 'What is our refund policy?' }],
      }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    await response.arrayBuffer();
    return response.headers.get('x-switchyard-cache');
  }

  it('shares within a team and nowhere else', async () => {
    assert.equal(await ask(platformA), 'miss');
    assert.equal(await ask(platformB), 'hit');
    assert.equal(await ask(research), 'miss');
    // A user named like the team is another tenant (user:platform vs team:platform).
    assert.equal(await ask(soloUser), 'miss');
    // The self-declared user header does not move a keyed request into another tenant.
    assert.equal(await ask(research, { 'x-switchyard-user': 'platform' }), 'hit');
    assert.equal(await ask(platformA, { 'x-switchyard-user': 'someone-else' }), 'hit');
  });
});
