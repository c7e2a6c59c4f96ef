// Internal stream parts → OpenAI chat.completion.chunk SSE text, or raw forwarding on the fast path.
// Stream format: https://platform.openai.com/docs/api-reference/chat-streaming

import type { GatewayError, StreamPart } from '../../core/index.js';
import { convertUsageToOpenAI } from './convert-usage-to-openai.js';
import { mapFinishReasonToOpenAI } from './map-finish-reason-to-openai.js';
import { renderOpenAIError } from './openai-error.js';

export interface OpenAIStreamEncoderOptions {
  /** The client asked for `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Used until the upstream names one (translated streams). */
  fallbackId: string;
  model: string;
  /**
   * The upstream speaks OpenAI chat: its chunks arrive as `raw` parts and are forwarded as they
   * are; the semantic parts that accompany them are only read by other stages, not re-encoded.
   */
  passthrough: boolean;
}

export const openAIDoneEvent = 'data: [DONE]\n\n';

/**
 * One encoder per response. `encode` returns the SSE text to write for a part ('' for none). The
 * `[DONE]` marker is written only after a `finish` part, i.e. only for a stream proved complete.
 */
export class OpenAIStreamEncoder {
  private readonly options: OpenAIStreamEncoderOptions;
  private id: string;
  private created = Math.floor(Date.now() / 1000);
  private model: string;
  private sentRole = false;
  /** See head(); '' until first needed, and again after a stream-start part. */
  private headText = '';
  /** What closes a chunk after its finish reason: `}]`, the null usage if asked for, `}`. */
  private readonly choiceEnd: string;

  constructor(options: OpenAIStreamEncoderOptions) {
    this.options = options;
    this.id = options.fallbackId;
    this.model = options.model;
    this.choiceEnd = options.includeUsage ? '}],"usage":null}\n\n' : '}]}\n\n';
  }

  encode(part: StreamPart): string {
    if (this.options.passthrough) {
      if (part.type === 'raw') {
        return part.usageOnly && !this.options.includeUsage ? '' : `data: ${part.data}\n\n`;
      }
      if (part.type === 'finish') return openAIDoneEvent;
      if (part.type === 'error') return this.encodeError(part.error);
      return '';
    }
    switch (part.type) {
      case 'raw':
        // A raw part of another wire format never reaches this encoder; skip defensively.
        return '';
      case 'stream-start':
        this.id = part.id;
        this.created = part.created;
        this.model = part.model;
        this.headText = '';
        return this.role();
      case 'text-delta':
        return this.role() + this.contentChunk(part.delta);
      case 'reasoning-delta':
        // A signature-only delta (Anthropic signature_delta) has nothing to show in OpenAI's format.
        if (part.delta === '') return this.role();
        return this.role() + this.chunk({ reasoning_content: part.delta });
      case 'tool-call-start':
        return (
          this.role() +
          this.chunk({
            tool_calls: [
              {
                index: part.index,
                id: part.id,
                type: 'function',
                function: { name: part.name, arguments: '' },
              },
            ],
          })
        );
      case 'tool-call-delta':
        return this.chunk({
          tool_calls: [{ index: part.index, function: { arguments: part.argumentsDelta } }],
        });
      case 'finish':
        return this.finish(part);
      case 'error':
        return this.encodeError(part.error);
    }
  }

  /** The in-band error openai-node raises on (a data payload with a top-level `error`). */
  encodeError(error: GatewayError): string {
    return `data: ${JSON.stringify(renderOpenAIError(error))}\n\n`;
  }

  private finish(part: Extract<StreamPart, { type: 'finish' }>): string {
    const head = this.head();
    let text =
      this.role() +
      head +
      '[{"index":0,"delta":{},"logprobs":null,"finish_reason":' +
      JSON.stringify(mapFinishReasonToOpenAI(part.finishReason)) +
      this.choiceEnd;
    if (this.options.includeUsage) {
      text += `${head}[],"usage":${JSON.stringify(convertUsageToOpenAI(part.usage))}}\n\n`;
    }
    return text + openAIDoneEvent;
  }

  /**
   * `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":` — the start
   * every chunk of this stream shares, made once per stream identity (a stream-start part changes
   * it). Each chunk is then this head and its own end: only the delta is serialised per event. Byte
   * for byte the text JSON.stringify makes of the chunk object (openai-stream-encoder.test.ts
   * compares them for every kind of chunk).
   */
  private head(): string {
    if (this.headText === '') {
      this.headText =
        `data: {"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk",` +
        `"created":${JSON.stringify(this.created)},"model":${JSON.stringify(this.model)},` +
        '"choices":';
    }
    return this.headText;
  }

  private contentChunk(delta: string): string {
    return (
      this.head() +
      '[{"index":0,"delta":{"content":' +
      JSON.stringify(delta) +
      '},"logprobs":null,"finish_reason":null' +
      this.choiceEnd
    );
  }

  private role(): string {
    if (this.sentRole) return '';
    this.sentRole = true;
    return this.chunk({ role: 'assistant', content: '' });
  }

  private chunk(delta: Record<string, unknown>): string {
    return (
      this.head() +
      '[{"index":0,"delta":' +
      JSON.stringify(delta) +
      ',"logprobs":null,"finish_reason":null' +
      this.choiceEnd
    );
  }
}
