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
  private contentPrefixFor = '';
  private contentPrefix = '';

  constructor(options: OpenAIStreamEncoderOptions) {
    this.options = options;
    this.id = options.fallbackId;
    this.model = options.model;
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
    let text = this.role();
    text += `data: ${JSON.stringify({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [
        {
          index: 0,
          delta: {},
          logprobs: null,
          finish_reason: mapFinishReasonToOpenAI(part.finishReason),
        },
      ],
      ...(this.options.includeUsage ? { usage: null } : {}),
    })}\n\n`;
    if (this.options.includeUsage) {
      text += `data: ${JSON.stringify({
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [],
        usage: convertUsageToOpenAI(part.usage),
      })}\n\n`;
    }
    return text + openAIDoneEvent;
  }

  /**
   * `chunk({ content })` for the most frequent event, built from a prefix and suffix made once per
   * stream identity: only the delta is serialised per event. Byte for byte the same text
   * (openai-stream-encoder.test.ts compares both).
   */
  private contentChunk(delta: string): string {
    if (
      this.contentPrefixFor !==
      this.id + '\u0000' + String(this.created) + '\u0000' + this.model
    ) {
      this.contentPrefixFor = this.id + '\u0000' + String(this.created) + '\u0000' + this.model;
      this.contentPrefix =
        `data: {"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk",` +
        `"created":${JSON.stringify(this.created)},"model":${JSON.stringify(this.model)},` +
        '"choices":[{"index":0,"delta":{"content":';
    }
    return (
      this.contentPrefix +
      JSON.stringify(delta) +
      (this.options.includeUsage
        ? '},"logprobs":null,"finish_reason":null}],"usage":null}\n\n'
        : '},"logprobs":null,"finish_reason":null}]}\n\n')
    );
  }

  /** For tests: the generic chunk of a content delta, to compare with contentChunk. */
  genericContentChunk(delta: string): string {
    return this.chunk({ content: delta });
  }

  private role(): string {
    if (this.sentRole) return '';
    this.sentRole = true;
    return this.chunk({ role: 'assistant', content: '' });
  }

  private chunk(delta: Record<string, unknown>): string {
    return `data: ${JSON.stringify({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
      ...(this.options.includeUsage ? { usage: null } : {}),
    })}\n\n`;
  }
}
