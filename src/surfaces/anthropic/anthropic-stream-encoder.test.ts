import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError, createUsage, type StreamPart } from '../../core/index.js';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';

function events(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return {
        event: (eventLine ?? '').replace('event: ', ''),
        data: JSON.parse((dataLine ?? '').replace('data: ', '')) as Record<string, unknown>,
      };
    });
}

describe('AnthropicStreamEncoder (translated)', () => {
  const request = {
    model: 'alias',
    messages: [
      {
        role: 'user' as const,
        content: [{ type: 'text' as const, text: 'Hello there, how are you?' }],
      },
    ],
    stream: true,
    includeUsage: false,
    extra: {},
  };

  it('estimates input tokens for message_start; message_delta carries the exact cumulative usage', () => {
    const encoder = new AnthropicStreamEncoder({
      requestId: 'abc',
      model: 'alias',
      passthrough: false,
      request,
    });
    const parts: StreamPart[] = [
      { type: 'stream-start', id: 'chatcmpl-1', model: 'llama', created: 1 },
      { type: 'text-delta', delta: 'Hi' },
      {
        type: 'finish',
        finishReason: { unified: 'length', raw: 'length' },
        usage: createUsage({ inputNoCache: 20, cacheRead: 32, outputTotal: 7 }),
      },
    ];
    const out = events(parts.map((part) => encoder.encode(part)).join(''));
    assert.deepEqual(
      out.map((event) => event.event),
      [
        'message_start',
        'ping',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    const start = out[0]?.data.message as {
      id: string;
      model: string;
      usage: { input_tokens: number };
    };
    assert.equal(start.id, 'msg_abc');
    assert.equal(start.model, 'llama');
    assert.ok(start.usage.input_tokens > 0 && start.usage.input_tokens < 20, 'an estimate');
    assert.deepEqual(out[5]?.data, {
      type: 'message_delta',
      delta: { stop_reason: 'max_tokens', stop_sequence: null },
      usage: {
        input_tokens: 20,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 32,
        output_tokens: 7,
      },
    });
  });

  it('an empty answer still has message_start, message_delta and message_stop', () => {
    const encoder = new AnthropicStreamEncoder({
      requestId: 'r',
      model: 'alias',
      passthrough: false,
      request,
    });
    const text = encoder.encode({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: createUsage({ inputNoCache: 3 }),
    });
    assert.deepEqual(
      events(text).map((event) => event.event),
      ['message_start', 'ping', 'message_delta', 'message_stop'],
    );
  });

  it('errors become `event: error` in Anthropic shape', () => {
    const encoder = new AnthropicStreamEncoder({
      requestId: 'r',
      model: 'alias',
      passthrough: false,
    });
    const text = encoder.encodeError(new GatewayError('upstream_overloaded', 'busy'));
    assert.equal(
      text,
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy"}}\n\n',
    );
  });
});
