import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseDecoder } from './sse-decoder.js';

function decodeInPieces(pieces: Array<string | Uint8Array>) {
  const decoder = new SseDecoder();
  const events = pieces.flatMap((piece) => decoder.push(piece));
  return [...events, ...decoder.end()];
}

describe('SseDecoder', () => {
  it('decodes several events delivered in one chunk', () => {
    const events = decodeInPieces(['data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n']);
    assert.deepEqual(
      events.map((event) => event.data),
      ['{"a":1}', '{"b":2}', '[DONE]'],
    );
  });

  it('joins an event split at every possible byte position', () => {
    const text = 'event: message_start\ndata: {"x":"héllo ✓"}\r\n\r\ndata: two\n\n';
    const bytes = new TextEncoder().encode(text);
    for (let split = 1; split < bytes.length; split += 1) {
      const events = decodeInPieces([bytes.slice(0, split), bytes.slice(split)]);
      assert.deepEqual(
        events.map((event) => [event.event, event.data]),
        [
          ['message_start', '{"x":"héllo ✓"}'],
          [undefined, 'two'],
        ],
        `split at ${split}`,
      );
    }
  });

  it('ignores a leading byte-order mark, also split across chunks, and keeps a later U+FEFF', () => {
    const bytes = new TextEncoder().encode('\uFEFFevent: first\ndata: a\uFEFFb\n\n');
    for (let split = 0; split <= 4; split += 1) {
      const pieces = split === 0 ? [bytes] : [bytes.slice(0, split), bytes.slice(split)];
      const events = decodeInPieces(pieces);
      assert.deepEqual(
        events.map((event) => [event.event, event.data]),
        [['first', 'a\uFEFFb']],
        `split at ${split}`,
      );
    }
  });

  it('handles a \\r\\n line end split across chunks without an extra blank line', () => {
    const events = decodeInPieces(['data: a\r', '\n\r', '\ndata: b\r\n\r\n']);
    assert.deepEqual(
      events.map((event) => event.data),
      ['a', 'b'],
    );
  });

  it('ends lines at \\n, \\r\\n and a lone \\r mixed in one stream, split anywhere', () => {
    const text = 'data: a\ndata: b\r\rdata: c\r\n\r\nid: 7\rdata: d\n\ndata: e\r\ndata: f\n\r\n';
    const expected = [
      ['a\nb', undefined],
      ['c', undefined],
      ['d', '7'],
      ['e\nf', '7'],
    ];
    const whole = decodeInPieces([text]);
    assert.deepEqual(
      whole.map((event) => [event.data, event.id]),
      expected,
    );
    for (let split = 1; split < text.length; split += 1) {
      const events = decodeInPieces([text.slice(0, split), text.slice(split)]);
      assert.deepEqual(
        events.map((event) => [event.data, event.id]),
        expected,
        `split at ${split}`,
      );
    }
  });

  it('joins multi-line data with newlines and skips comments', () => {
    const events = decodeInPieces([': keep-alive\n', 'data: line1\ndata: line2\n\n']);
    assert.deepEqual(events, [{ event: undefined, data: 'line1\nline2', id: undefined }]);
  });

  it('drops an event that was not terminated by a blank line and reports it as partial', () => {
    const decoder = new SseDecoder();
    assert.deepEqual(decoder.push('data: complete\n\ndata: cut'), [
      { event: undefined, data: 'complete', id: undefined },
    ]);
    assert.equal(decoder.hasPartialEvent, true);
    assert.deepEqual(decoder.end(), []);
  });

  it('accepts a field with no space after the colon and a bare field name', () => {
    const events = decodeInPieces(['data:x\nevent\ndata\n\n']);
    assert.deepEqual(events, [{ event: '', data: 'x\n', id: undefined }]);
  });
});
