// A non-stream answer from an upstream of the client's own wire format is forwarded as the bytes
// the upstream sent (not parsed and serialised again): formatting, number spelling and escapes
// survive, and the gateway still reads its usage.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFixedReplyGateway, type FixedReplyGateway } from './helpers/fixed-reply-upstream.js';
import type { TestGateway } from './helpers/start-gateway.js';

// Pretty-printed, `1.0`, a \u-escape and a field the gateway does not know: JSON.stringify of the
// parsed value would give different bytes.
const upstreamBody = `{
  "id": "chatcmpl-bytes",
  "object": "chat.completion",
  "created": 1700000000,
  "model": "gpt-4o-mini",
  "system_fingerprint": "fp_1",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "caf\\u00e9"},
    "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15,
    "prompt_tokens_details": {"cached_tokens": 0}},
  "service_tier": "default",
  "x_weight": 1.0
}
`;

describe('passthrough answers keep the upstream bytes', () => {
  let fixture: FixedReplyGateway;
  let gateway: TestGateway;

  before(async () => {
    fixture = await startFixedReplyGateway('application/json', upstreamBody);
    gateway = fixture.gateway;
  });

  after(() => fixture.close());

  it('forwards the body byte for byte, with the right content-length and usage read', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 200);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(bytes.toString('utf8'), upstreamBody);
    assert.equal(response.headers.get('content-length'), String(bytes.length));
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.ok(response.headers.get('x-switchyard-request-id'));
    // The gateway parsed the usage from those bytes: the request log has the token counts.
    const line = gateway.logs
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.msg === 'request');
    assert.equal(line?.inputTokens, 12);
    assert.equal(line?.outputTokens, 3);
  });
});
