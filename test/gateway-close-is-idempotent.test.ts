// Closing a gateway twice (a second SIGTERM, a test's after() hook) waits for the first close
// instead of failing on upstream pools that are already closed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '../emulator/index.js';
import { configFor, startGateway } from './helpers/start-gateway.js';

describe('gateway close', () => {
  it('can be called twice, concurrently or after it finished', async () => {
    const emulator = await startEmulator({ kind: 'openai' });
    try {
      const gateway = await startGateway(
        configFor(
          { upstream: { baseUrl: `${emulator.url}/v1` } },
          { fast: [{ provider: 'upstream', model: 'm' }] },
        ),
      );
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.status, 200);
      await Promise.all([gateway.close(), gateway.close()]);
      await gateway.close();
    } finally {
      await emulator.close();
    }
  });
});
