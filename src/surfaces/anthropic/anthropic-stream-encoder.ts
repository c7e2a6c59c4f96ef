// Internal stream parts → Anthropic Messages SSE (`event: X\ndata: Y\n\n`), or raw forwarding on
// the fast path. Sequence: https://docs.anthropic.com/en/api/messages-streaming
//
// Translated streams (from an OpenAI-style backend) get the exact Anthropic event sequence:
// message_start, ping, then per block content_block_start / _delta* / _stop (text, thinking,
// tool_use with input_json_delta), message_delta (stop_reason, cumulative usage), message_stop.
// Input tokens: an OpenAI-style backend reports usage only in its last chunk, after every content
// chunk we must not hold back; so `message_start` carries an estimate (gpt-tokenizer, counted
// before the call), and `message_delta` carries the real, cumulative input, cache and output
// counts, which the Anthropic SDKs use to overwrite the estimate: the final accumulated message
// has the backend's exact numbers.

import type { ChatRequest, GatewayError, StreamPart } from '../../core/index.js';
import { renderAnthropicError } from './anthropic-error.js';
import { convertUsageToAnthropic } from './convert-usage-to-anthropic.js';
import { anthropicMessageId } from './encode-anthropic-message-response.js';
import { estimateInputTokens } from './estimate-input-tokens.js';
import { mapFinishReasonToAnthropic } from './map-finish-reason-to-anthropic.js';

export interface AnthropicStreamEncoderOptions {
  requestId: string;
  /** The alias the client asked for; replaced by the upstream model at stream-start. */
  model: string;
  /** The upstream speaks Anthropic: its events arrive as `raw` parts and are forwarded as they are. */
  passthrough: boolean;
  /** For the message_start estimate (translated streams only). */
  request?: ChatRequest;
}

type BlockType = 'text' | 'thinking' | 'tool_use';

function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export class AnthropicStreamEncoder {
  private readonly options: AnthropicStreamEncoderOptions;
  private started = false;
  private model: string;
  private blockCount = 0;
  private open: { type: BlockType; index: number; toolIndex?: number } | undefined;
  private estimatedInputTokens: number | undefined;

  constructor(options: AnthropicStreamEncoderOptions) {
    this.options = options;
    this.model = options.model;
  }

  encode(part: StreamPart): string {
    if (this.options.passthrough) {
      if (part.type === 'raw') return `event: ${part.event ?? 'message'}\ndata: ${part.data}\n\n`;
      if (part.type === 'error') return this.encodeError(part.error);
      return '';
    }
    switch (part.type) {
      case 'raw':
        return '';
      case 'stream-start':
        this.model = part.model;
        return this.start();
      case 'text-delta':
        return (
          this.start() +
          this.ensureBlock('text') +
          this.delta({ type: 'text_delta', text: part.delta })
        );
      case 'reasoning-delta': {
        let text = this.start() + this.ensureBlock('thinking');
        if (part.delta !== '') text += this.delta({ type: 'thinking_delta', thinking: part.delta });
        if (part.signature !== undefined)
          text += this.delta({ type: 'signature_delta', signature: part.signature });
        return text;
      }
      case 'tool-call-start': {
        const text = this.start() + this.closeBlock();
        const index = this.blockCount++;
        this.open = { type: 'tool_use', index, toolIndex: part.index };
        return (
          text +
          sse('content_block_start', {
            index,
            content_block: { type: 'tool_use', id: part.id, name: part.name, input: {} },
          })
        );
      }
      case 'tool-call-delta':
        // OpenAI-style backends stream parallel tool calls one after another; a fragment for a
        // call whose block is no longer open cannot be placed in Anthropic's format.
        if (this.open?.type !== 'tool_use' || this.open.toolIndex !== part.index) return '';
        return this.delta({ type: 'input_json_delta', partial_json: part.argumentsDelta });
      case 'finish': {
        const usage = convertUsageToAnthropic(part.usage);
        return (
          this.start() +
          this.closeBlock() +
          sse('message_delta', {
            delta: {
              stop_reason: mapFinishReasonToAnthropic(part.finishReason),
              stop_sequence: null,
            },
            usage,
          }) +
          sse('message_stop', {})
        );
      }
      case 'error':
        return this.encodeError(part.error);
    }
  }

  /** `event: error`, which the Anthropic SDK raises as an APIError with `error.type`. */
  encodeError(error: GatewayError): string {
    return `event: error\ndata: ${JSON.stringify(renderAnthropicError(error))}\n\n`;
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    this.estimatedInputTokens = this.options.request
      ? estimateInputTokens(this.options.request)
      : 0;
    return (
      sse('message_start', {
        message: {
          id: anthropicMessageId(this.options.requestId),
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: this.estimatedInputTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 0,
          },
        },
      }) + 'event: ping\ndata: {"type":"ping"}\n\n'
    );
  }

  private ensureBlock(type: 'text' | 'thinking'): string {
    if (this.open?.type === type) return '';
    const text = this.closeBlock();
    const index = this.blockCount++;
    this.open = { type, index };
    const block =
      type === 'text'
        ? { type: 'text', text: '' }
        : { type: 'thinking', thinking: '', signature: '' };
    return text + sse('content_block_start', { index, content_block: block });
  }

  private closeBlock(): string {
    if (!this.open) return '';
    const index = this.open.index;
    this.open = undefined;
    return sse('content_block_stop', { index });
  }

  private delta(delta: Record<string, unknown>): string {
    return sse('content_block_delta', { index: this.open?.index ?? 0, delta });
  }
}
