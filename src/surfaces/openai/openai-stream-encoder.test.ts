import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUsage, type StreamPart, type Usage } from '../../core/index.js';
import { convertUsageToOpenAI } from './convert-usage-to-openai.js';
import { openAIDoneEvent, OpenAIStreamEncoder } from './openai-stream-encoder.js';

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

interface Identity {
  id: string;
  created: number;
  model: string;
}

/**
 * The oracle: what JSON.stringify makes of the chunk object of OpenAI's reference
 * (id, object, created, model, choices, then usage), as one SSE event.
 */
function reference(
  identity: Identity,
  includeUsage: boolean,
  choice: { delta: Record<string, unknown>; finishReason: string | null } | undefined,
  usage?: unknown,
): string {
  const chunk = {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    choices: choice
      ? [{ index: 0, delta: choice.delta, logprobs: null, finish_reason: choice.finishReason }]
      : [],
    ...(usage !== undefined ? { usage } : includeUsage ? { usage: null } : {}),
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

const usage: Usage = createUsage({ inputNoCache: 8, cacheRead: 4, outputTotal: 7, reasoning: 2 });

describe('OpenAI stream encoder', () => {
  for (const includeUsage of [false, true]) {
    it(`writes every kind of chunk byte for byte as JSON.stringify of the chunk (usage ${includeUsage})`, () => {
      const encoder = new OpenAIStreamEncoder({
        includeUsage,
        fallbackId: 'chatcmpl-fallback',
        model: 'fast',
        passthrough: false,
      });
      const fallback = { id: 'chatcmpl-fallback', created: 0, model: 'fast' };
      const first = encoder.encode({ type: 'text-delta', delta: 'first' });
      // The encoder's own clock for `created` until the upstream names one.
      const created = (
        JSON.parse(first.slice('data: '.length, first.indexOf('\n\n'))) as { created: number }
      ).created;
      const before = { ...fallback, created };
      assert.equal(
        first,
        reference(before, includeUsage, {
          delta: { role: 'assistant', content: '' },
          finishReason: null,
        }) + reference(before, includeUsage, { delta: { content: 'first' }, finishReason: null }),
      );
      for (const delta of deltas) {
        assert.equal(
          encoder.encode({ type: 'text-delta', delta }),
          reference(before, includeUsage, { delta: { content: delta }, finishReason: null }),
        );
      }
      // A new stream identity (the upstream's id, model and time) renews the shared start.
      const identity = { id: 'msg_"01"', model: 'claude\u2028', created: 1.5 };
      encoder.encode({ type: 'stream-start', ...identity });
      for (const delta of deltas) {
        const text = encoder.encode({ type: 'text-delta', delta });
        assert.equal(
          text,
          reference(identity, includeUsage, { delta: { content: delta }, finishReason: null }),
        );
        assert.ok(text.includes('"id":"msg_\\"01\\""'));
      }
      const others: Array<[StreamPart, Record<string, unknown>]> = [
        [{ type: 'reasoning-delta', delta: 'think "hard"' }, { reasoning_content: 'think "hard"' }],
        [
          { type: 'tool-call-start', index: 1, id: 'call_1', name: 'get_weather' },
          {
            tool_calls: [
              {
                index: 1,
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '' },
              },
            ],
          },
        ],
        [
          { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":' },
          { tool_calls: [{ index: 1, function: { arguments: '{"city":' } }] },
        ],
      ];
      for (const [part, delta] of others) {
        assert.equal(
          encoder.encode(part),
          reference(identity, includeUsage, { delta, finishReason: null }),
        );
      }
      const finish = encoder.encode({
        type: 'finish',
        finishReason: { unified: 'length', raw: 'max_tokens' },
        usage,
      });
      assert.equal(
        finish,
        reference(identity, includeUsage, { delta: {}, finishReason: 'length' }) +
          (includeUsage ? reference(identity, true, undefined, convertUsageToOpenAI(usage)) : '') +
          openAIDoneEvent,
      );
    });
  }

  it('a stream that finishes before any content has the role chunk, then the finish', () => {
    const encoder = new OpenAIStreamEncoder({
      includeUsage: false,
      fallbackId: 'chatcmpl-x',
      model: 'fast',
      passthrough: false,
    });
    const identity = { id: 'msg_1', model: 'claude', created: 7 };
    const role = reference(identity, false, {
      delta: { role: 'assistant', content: '' },
      finishReason: null,
    });
    assert.equal(encoder.encode({ type: 'stream-start', ...identity }), role);
    assert.equal(
      encoder.encode({ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' }, usage }),
      reference(identity, false, { delta: {}, finishReason: 'stop' }) + openAIDoneEvent,
    );
  });
});
