import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUsage } from '../../core/index.js';
import { encodeAnthropicMessageResponse } from './encode-anthropic-message-response.js';
import { mapFinishReasonToAnthropic } from './map-finish-reason-to-anthropic.js';

describe('encodeAnthropicMessageResponse', () => {
  it('reasoning → thinking, text, tool calls → tool_use with parsed input; usage split', () => {
    const message = encodeAnthropicMessageResponse(
      {
        id: 'chatcmpl-1',
        model: 'Qwen/Qwen3-8B',
        created: 1,
        content: [
          { type: 'reasoning', text: 'think' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'call_1', name: 'w', arguments: '{"city":"Oslo"}' },
          { type: 'tool-call', id: 'call_2', name: 'w', arguments: '{"city":' },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage: createUsage({ inputNoCache: 28, cacheRead: 384, outputTotal: 58, reasoning: 10 }),
      },
      'req-1',
    );
    assert.deepEqual(message, {
      id: 'msg_req1',
      type: 'message',
      role: 'assistant',
      model: 'Qwen/Qwen3-8B',
      content: [
        { type: 'thinking', thinking: 'think', signature: '' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'w', input: { city: 'Oslo' } },
        // Arguments cut off by the model are not an object: an empty input, not a crash.
        { type: 'tool_use', id: 'call_2', name: 'w', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 28,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 384,
        output_tokens: 58,
      },
    });
  });

  it('finish reasons: unified → Anthropic, an Anthropic raw value kept as it is', () => {
    assert.equal(mapFinishReasonToAnthropic({ unified: 'stop', raw: 'stop' }), 'end_turn');
    assert.equal(mapFinishReasonToAnthropic({ unified: 'length', raw: 'length' }), 'max_tokens');
    assert.equal(
      mapFinishReasonToAnthropic({ unified: 'content-filter', raw: 'content_filter' }),
      'refusal',
    );
    assert.equal(
      mapFinishReasonToAnthropic({ unified: 'stop', raw: 'stop_sequence' }),
      'stop_sequence',
    );
    assert.equal(mapFinishReasonToAnthropic({ unified: 'other', raw: 'pause_turn' }), 'pause_turn');
  });
});
