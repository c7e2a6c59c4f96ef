// The SSE events the gateway gets from one upstream read go to the client in one write (one HTTP
// chunk), as a byte-pipe proxy would forward that read — not one write per event. Events that
// arrive apart still leave apart (test/stream-chunks-are-not-buffered.test.ts).

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFixedReplyGateway, type FixedReplyGateway } from './helpers/fixed-reply-upstream.js';
import type { TestGateway } from './helpers/start-gateway.js';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-one-read',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;

// Six events and the end marker, sent by the upstream in a single write.
const upstreamBody =
  chunk({ role: 'assistant', content: '' }) +
  ['one ', 'two ', 'three ', 'four'].map((text) => chunk({ content: text })).join('') +
  chunk({}, 'stop') +
  `data: ${JSON.stringify({
    id: 'chatcmpl-one-read',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'gpt-4o-mini',
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
  })}\n\n` +
  'data: [DONE]\n\n';

/** The HTTP/1.1 chunks of a chunked body: their payloads, in order. */
function dechunk(body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return chunks;
    chunks.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

describe('stream events of one upstream read', () => {
  let fixture: FixedReplyGateway;
  let gateway: TestGateway;

  before(async () => {
    fixture = await startFixedReplyGateway('text/event-stream', upstreamBody);
    gateway = fixture.gateway;
  });

  after(() => fixture.close());

  it('leave the gateway in one write', async () => {
    const { port } = new URL(gateway.url);
    const payload = JSON.stringify({
      model: 'fast',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count' }],
    });
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`,
    );
    // Read up to the last chunk (the gateway keeps streaming connections alive).
    const received: Buffer[] = [];
    for await (const data of socket) {
      received.push(data as Buffer);
      if (Buffer.concat(received).includes('\r\n0\r\n\r\n')) break;
    }
    socket.destroy();
    const raw = Buffer.concat(received);
    const headerEnd = raw.indexOf('\r\n\r\n');
    assert.match(raw.subarray(0, headerEnd).toString(), /transfer-encoding: chunked/i);
    const chunks = dechunk(raw.subarray(headerEnd + 4));
    const text = Buffer.concat(chunks).toString('utf8');
    // Everything the upstream sent, usage chunk included (the client asked for it), unchanged.
    assert.equal(text, upstreamBody);
    // The events of the read, `[DONE]` included (the upstream's own, which proved the stream
    // complete), in one write that also ends the response. One write per event would be 8; a
    // `[DONE]` held until the upstream's body ended, 2.
    const shown = chunks.map((c) => JSON.stringify(c.toString().slice(-40))).join(' + ');
    assert.equal(chunks.length, 1, `got ${chunks.length} writes: ${shown}`);
  });
});
