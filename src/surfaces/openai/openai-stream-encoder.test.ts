import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenAIStreamEncoder } from './openai-stream-encoder.js';

const deltas = [
  '',
  'plain',
  'quote " backslash \\ slash /',
  'line\nbreak\ttab\r\u0000\u001f\u007f',
  'é 漢字 🙂 \u2028\u2029',
  '\ud800 lone \udfff surrogates',
  '</script>',
  'x'.repeat(5000),
];

describe('OpenAI stream encoder', () => {
  it('writes a content delta byte for byte as the generic chunk, with and without usage', () => {
    for (const includeUsage of [false, true]) {
      const encoder = new OpenAIStreamEncoder({
        includeUsage,
        fallbackId: 'chatcmpl-fallback',
        model: 'fast',
        passthrough: false,
      });
      const role = encoder.encode({ type: 'text-delta', delta: 'first' });
      assert.ok(role.startsWith('data: {"id":"chatcmpl-fallback"'));
      for (const delta of deltas) {
        assert.equal(
          encoder.encode({ type: 'text-delta', delta }),
          encoder.genericContentChunk(delta),
        );
      }
      // A new stream identity (the upstream's id, model and time) renews the cached prefix.
      encoder.encode({ type: 'stream-start', id: 'msg_"01"', model: 'claude', created: 1.5 });
      for (const delta of deltas) {
        const text = encoder.encode({ type: 'text-delta', delta });
        assert.equal(text, encoder.genericContentChunk(delta));
        assert.ok(text.includes('"id":"msg_\\"01\\""'));
        const parsed = JSON.parse(text.slice('data: '.length)) as Record<string, unknown>;
        assert.equal(
          (parsed.choices as Array<{ delta: { content: string } }>)[0]?.delta.content,
          delta,
        );
      }
    }
  });
});
