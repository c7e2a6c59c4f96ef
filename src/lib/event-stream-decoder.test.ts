import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { EventStreamDecoder, EventStreamFrameError } from './event-stream-decoder.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function summarize(messages: ReturnType<EventStreamDecoder['push']>): string[] {
  return messages.map(
    (message) =>
      `${String(message.headers[':event-type']?.value)} ${new TextDecoder().decode(message.body)}`,
  );
}

// Multi-byte UTF-8 (é, 🚀) so that some cuts fall inside a character.
const frames = [
  frame('messageStart', { role: 'assistant' }),
  frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Héllo 🚀' }, p: 'abcd' }),
  frame('contentBlockStop', { contentBlockIndex: 0 }),
  frame('messageStop', { stopReason: 'end_turn' }),
];
const all = Buffer.concat(frames);
const expected = summarize(frames.map((bytes) => codec.decode(bytes)));

describe('EventStreamDecoder', () => {
  it('decodes several frames delivered in one chunk', () => {
    const decoder = new EventStreamDecoder();
    assert.deepEqual(summarize(decoder.push(all)), expected);
    decoder.end();
  });

  it('joins frames split at every possible byte position', () => {
    for (let cut = 1; cut < all.length; cut++) {
      const decoder = new EventStreamDecoder();
      const messages = [...decoder.push(all.subarray(0, cut)), ...decoder.push(all.subarray(cut))];
      decoder.end();
      assert.deepEqual(summarize(messages), expected, `cut at ${cut}`);
    }
  });

  it('decodes a stream fed one byte at a time, and at every pair of cut points', () => {
    const decoder = new EventStreamDecoder();
    const messages = [];
    for (const byte of all) messages.push(...decoder.push(Uint8Array.of(byte)));
    assert.deepEqual(summarize(messages), expected);
    for (let first = 1; first < all.length; first += 7) {
      for (let second = first + 1; second < all.length; second += 5) {
        const pieces = new EventStreamDecoder();
        const got = [
          ...pieces.push(all.subarray(0, first)),
          ...pieces.push(all.subarray(first, second)),
          ...pieces.push(all.subarray(second)),
        ];
        assert.deepEqual(summarize(got), expected, `cuts at ${first}, ${second}`);
      }
    }
  });

  it('rejects a frame whose CRC does not match', () => {
    const broken = Buffer.from(frames[1] as Uint8Array);
    // A payload byte: the message CRC no longer matches.
    broken.writeUInt8(broken.readUInt8(broken.length - 6) ^ 0xff, broken.length - 6);
    assert.throws(() => new EventStreamDecoder().push(broken), EventStreamFrameError);
  });

  it('rejects bytes that are not event-stream framing', () => {
    assert.throws(
      () => new EventStreamDecoder().push(Buffer.from('{"message":"not a frame"}')),
      EventStreamFrameError,
    );
  });

  it('reports a stream cut inside a frame at the end', () => {
    const decoder = new EventStreamDecoder();
    assert.deepEqual(
      summarize(decoder.push(all.subarray(0, all.length - 3))),
      expected.slice(0, 3),
    );
    assert.throws(() => decoder.end(), /ended inside a frame/);
  });
});
