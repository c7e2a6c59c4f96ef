// ConverseStream event-stream messages → internal stream parts, with a "no stop reason" check.
// Events: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
// A text block has no contentBlockStart (only toolUse and other non-text blocks do), so text
// deltas are taken as they come. Exceptions arrive as frames with `:message-type: exception`.

import { UpstreamError, type FinishReason, type StreamPart, type Usage } from '../../core/index.js';
import type { EventStreamMessage } from '../../lib/event-stream-decoder.js';
import type {
  BedrockInputTokensMode,
  BedrockStreamEvents,
  BedrockTokenUsage,
} from './bedrock-api.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { createBedrockStreamError } from './bedrock-error.js';
import { redactExcerpt } from '../shared/redact-excerpt.js';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js';

export interface BedrockStreamConverterOptions {
  provider: string;
  deployment: string;
  /** Reported as the stream's model (Bedrock events do not name it). */
  model: string;
  /** Used as the stream id (Bedrock events carry none): the x-amzn-requestid header. */
  id: string;
  inputTokens: BedrockInputTokensMode;
}

function headerString(message: EventStreamMessage, name: string): string | undefined {
  const header = message.headers[name];
  return header && header.type === 'string' ? header.value : undefined;
}

/**
 * Feed decoded frames with `push`; call `end` when the body ended. The `finish` part is emitted
 * only at the end, once messageStop proved the stream complete.
 */
export class BedrockStreamConverter {
  private readonly options: BedrockStreamConverterOptions;
  private readonly decoder = new TextDecoder();
  private started = false;
  private finishReason: FinishReason | undefined;
  private usage: BedrockTokenUsage | undefined;
  private failed = false;
  private sawMetadata = false;
  /** contentBlockIndex → tool call index (0, 1, … among tool calls, as OpenAI counts them). */
  private readonly toolIndexes = new Map<number, number>();
  latencyMs: number | undefined;

  constructor(options: BedrockStreamConverterOptions) {
    this.options = options;
  }

  get usageSoFar(): Usage | undefined {
    return this.usage ? convertBedrockUsage(this.usage, this.options.inputTokens) : undefined;
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  /** `metadata` arrived: ConverseStream's last event (after messageStop); later ones are ignored. */
  get ended(): boolean {
    return this.sawMetadata;
  }

  push(message: EventStreamMessage, parts: StreamPart[]): void {
    if (this.failed || this.sawMetadata) return;
    const payloadText = this.decoder.decode(message.body);
    const messageType = headerString(message, ':message-type');
    if (messageType === 'exception') {
      this.failWith(
        parts,
        createBedrockStreamError(
          headerString(message, ':exception-type') ?? 'UnknownException',
          payloadText,
          this.options,
        ),
      );
      return;
    }
    if (messageType === 'error') {
      const code = headerString(message, ':error-code') ?? 'UnknownError';
      const text = headerString(message, ':error-message') ?? payloadText;
      this.failWith(
        parts,
        createBedrockStreamError(code, JSON.stringify({ message: text }), this.options),
      );
      return;
    }
    if (messageType !== 'event') {
      this.fail(parts, 'malformed', `upstream sent a frame of message type ${String(messageType)}`);
      return;
    }
    const eventType = headerString(message, ':event-type');
    let payload: unknown;
    try {
      payload = JSON.parse(payloadText);
    } catch {
      this.fail(
        parts,
        'malformed',
        `upstream sent a ${eventType} event that is not JSON: ${redactExcerpt(payloadText).slice(0, 120)}`,
      );
      return;
    }
    if (payload === null || typeof payload !== 'object') {
      this.fail(parts, 'malformed', `upstream sent a ${eventType} event that is not an object`);
      return;
    }
    this.handleEvent(eventType, payload, parts);
  }

  private handleEvent(eventType: string | undefined, payload: object, parts: StreamPart[]): void {
    switch (eventType) {
      case 'messageStart':
        // stream-start waits for the first content: an exception frame right after messageStart
        // (throttling, overload) then still falls back, since nothing reached the client.
        return;
      case 'contentBlockStart': {
        const event = payload as BedrockStreamEvents['contentBlockStart'];
        const toolUse = event.start?.toolUse;
        if (!toolUse) return;
        this.start(parts);
        const index = this.toolIndexes.size;
        this.toolIndexes.set(event.contentBlockIndex, index);
        parts.push({ type: 'tool-call-start', index, id: toolUse.toolUseId, name: toolUse.name });
        return;
      }
      case 'contentBlockDelta': {
        const event = payload as BedrockStreamEvents['contentBlockDelta'];
        const delta = event.delta;
        if (!delta) return;
        this.start(parts);
        if (typeof delta.text === 'string' && delta.text !== '') {
          parts.push({ type: 'text-delta', delta: delta.text });
        }
        if (delta.toolUse && typeof delta.toolUse.input === 'string') {
          const index = this.toolIndexes.get(event.contentBlockIndex);
          if (index === undefined) {
            this.fail(
              parts,
              'malformed',
              'upstream sent toolUse input before its contentBlockStart',
            );
            return;
          }
          if (delta.toolUse.input !== '') {
            parts.push({ type: 'tool-call-delta', index, argumentsDelta: delta.toolUse.input });
          }
        }
        const reasoning = delta.reasoningContent;
        if (reasoning) {
          if (typeof reasoning.text === 'string' && reasoning.text !== '') {
            parts.push({ type: 'reasoning-delta', delta: reasoning.text });
          }
          if (typeof reasoning.signature === 'string') {
            parts.push({ type: 'reasoning-delta', delta: '', signature: reasoning.signature });
          }
        }
        return;
      }
      case 'contentBlockStop':
        return;
      case 'messageStop': {
        const event = payload as BedrockStreamEvents['messageStop'];
        this.finishReason = mapBedrockStopReason(event.stopReason);
        return;
      }
      case 'metadata': {
        const event = payload as BedrockStreamEvents['metadata'];
        this.sawMetadata = true;
        if (event.usage) this.usage = event.usage;
        if (typeof event.metrics?.latencyMs === 'number') this.latencyMs = event.metrics.latencyMs;
        return;
      }
      case undefined:
      default:
        // Unknown events (new members of the union) are ignored, never rejected.
        return;
    }
  }

  /**
   * The stream is over (`metadata` came, or the body ended): a `finish` part, or a
   * `truncated_stream` error when no messageStop came.
   */
  end(parts: StreamPart[]): void {
    if (this.failed) return;
    if (!this.finishReason) {
      this.fail(parts, 'truncated_stream', 'upstream stream ended without messageStop');
      return;
    }
    this.start(parts);
    parts.push({
      type: 'finish',
      finishReason: this.finishReason,
      usage: convertBedrockUsage(this.usage, this.options.inputTokens),
    });
  }

  /** A framing failure from the decoder. */
  failMalformed(parts: StreamPart[], message: string): void {
    if (this.failed) return;
    this.fail(parts, 'malformed', message);
  }

  private start(parts: StreamPart[]): void {
    if (this.started) return;
    this.started = true;
    parts.push({
      type: 'stream-start',
      id: this.options.id,
      model: this.options.model,
      created: Math.floor(Date.now() / 1000),
    });
  }

  private failWith(parts: StreamPart[], error: UpstreamError): void {
    this.failed = true;
    parts.push({ type: 'error', error });
  }

  private fail(parts: StreamPart[], kind: 'malformed' | 'truncated_stream', message: string): void {
    this.failWith(
      parts,
      new UpstreamError(message, {
        provider: this.options.provider,
        deployment: this.options.deployment,
        kind,
      }),
    );
  }
}
