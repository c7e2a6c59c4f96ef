// Builds Anthropic Message bodies and the SSE event sequence for a reply.
// https://docs.anthropic.com/en/api/messages-streaming ; recorded fixtures in
// anthropic-sdk-typescript tests/lib/fixtures/{basic_response,tool_use_response}.txt.
import type { Reply } from './build-reply.js';
import type { ErrorSpec } from './render-error.js';
import { anthropicError } from './render-error.js';
import type { SseEvent, SseStream } from './write-sse-stream.js';

export interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface AnthropicMessageParts {
  id: string;
  model: string;
  reply: Reply;
  toolUseId: string;
  usage: AnthropicUsage;
  stopReason: 'end_turn' | 'max_tokens' | 'tool_use';
}

export function buildAnthropicMessage(parts: AnthropicMessageParts): string {
  const { reply } = parts;
  const content =
    reply.type === 'text'
      ? [{ type: 'text', text: reply.text }]
      : [{ type: 'tool_use', id: parts.toolUseId, name: reply.name, input: reply.input }];
  return JSON.stringify({
    id: parts.id,
    type: 'message',
    role: 'assistant',
    model: parts.model,
    content,
    stop_reason: parts.stopReason,
    stop_sequence: null,
    usage: fullUsage(parts.usage, reply.completionTokens),
  });
}

export function buildAnthropicStream(
  parts: AnthropicMessageParts,
  errorType: string | undefined,
): SseStream {
  const { reply } = parts;
  const event = (type: string, data: object, content = false): SseEvent => ({
    text: `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`,
    content,
  });
  const events: SseEvent[] = [
    event('message_start', {
      message: {
        id: parts.id,
        type: 'message',
        role: 'assistant',
        model: parts.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: fullUsage(parts.usage, 1),
      },
    }),
  ];
  if (reply.type === 'text') {
    events.push(
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    );
    // The real API writes `{"type": "ping"}` with a space.
    events.push({ text: 'event: ping\ndata: {"type": "ping"}\n\n', content: false });
    for (const piece of reply.pieces) {
      events.push(
        event(
          'content_block_delta',
          { index: 0, delta: { type: 'text_delta', text: piece } },
          true,
        ),
      );
    }
  } else {
    events.push(
      event('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: parts.toolUseId, name: reply.name, input: {} },
      }),
    );
    events.push({ text: 'event: ping\ndata: {"type": "ping"}\n\n', content: false });
    const fragments = reply.fragments[0] === '' ? reply.fragments : ['', ...reply.fragments];
    for (const fragment of fragments) {
      events.push(
        event(
          'content_block_delta',
          { index: 0, delta: { type: 'input_json_delta', partial_json: fragment } },
          true,
        ),
      );
    }
  }
  events.push(event('content_block_stop', { index: 0 }));
  const tailStart = events.length;
  // message_delta usage is cumulative (current API): input fields repeated, output the total.
  events.push(
    event('message_delta', {
      delta: { stop_reason: parts.stopReason, stop_sequence: null },
      usage: { ...parts.usage, output_tokens: reply.completionTokens },
    }),
  );
  events.push(event('message_stop', {}));
  const spec: ErrorSpec = { status: 529 };
  if (errorType !== undefined) spec.type = errorType;
  return {
    events,
    tailStart,
    malformedEvent:
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":\n\n',
    errorEvents: [
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: anthropicError(spec) })}\n\n`,
    ],
  };
}

function fullUsage(usage: AnthropicUsage, outputTokens: number): object {
  return {
    ...usage,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cache_creation_input_tokens,
      ephemeral_1h_input_tokens: 0,
    },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}
