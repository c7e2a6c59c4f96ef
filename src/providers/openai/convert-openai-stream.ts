// OpenAI chat.completion.chunk SSE events → internal stream parts, with a "no finish reason" check.
// Chunk format: https://platform.openai.com/docs/api-reference/chat-streaming/streaming

import { UpstreamError, type FinishReason, type StreamPart, type Usage } from '../../core/index.js';
import type { SseEvent } from '../../lib/sse-decoder.js';
import {
  LearnedStringField,
  type StringFieldShape,
  type TemplateSlot,
} from '../shared/string-field-template.js';
import type { OpenAIChatChunk, OpenAIUsage } from './openai-api.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { createOpenAIStreamError } from './openai-error.js';

/**
 * A content-only chunk: one choice whose delta is only a content string; no finish reason, usage
 * or error. Most of a stream's chunks; read through a template after the first (see
 * StringFieldTemplate).
 */
export const openAIContentChunk: StringFieldShape = {
  key: '"delta":{"content":',
  volatileLastKey: 'obfuscation',
  read(parsed) {
    if (parsed === null || typeof parsed !== 'object' || 'error' in parsed) return undefined;
    const chunk = parsed as Record<string, unknown>;
    if (chunk.usage !== undefined && chunk.usage !== null) return undefined;
    if (!Array.isArray(chunk.choices) || chunk.choices.length !== 1) return undefined;
    const choice = chunk.choices[0] as Record<string, unknown> | null;
    if (choice === null || typeof choice !== 'object') return undefined;
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) return undefined;
    const delta = choice.delta as Record<string, unknown> | null;
    if (delta === null || typeof delta !== 'object') return undefined;
    const keys = Object.keys(delta);
    if (keys.length !== 1 || keys[0] !== 'content' || typeof delta.content !== 'string') {
      return undefined;
    }
    return delta.content;
  },
};

/**
 * The start every chunk of a stream repeats, `{"id":…,"object":…,"created":…` as OpenAI lays it
 * out (compact, in that order): the stream's identity, under which a content-chunk template learned
 * by another stream is taken for this one (TemplateSlot). Undefined for a chunk without those.
 */
export function openAIChunkHead(chunk: OpenAIChatChunk): string | undefined {
  const { id, object, created } = chunk as { id?: unknown; object?: unknown; created?: unknown };
  if (typeof id !== 'string' || typeof object !== 'string') return undefined;
  if (typeof created !== 'number' || !Number.isFinite(created)) return undefined;
  return `{"id":${JSON.stringify(id)},"object":${JSON.stringify(object)},"created":${created}`;
}

export interface OpenAIStreamConverterOptions {
  provider: string;
  deployment: string;
  /** The provider's streams' last learned content-chunk layout (see TemplateSlot). */
  contentChunkSlot?: TemplateSlot;
  /** Also emit each chunk as a `raw` part, for a surface that speaks OpenAI chat (fast path). */
  passthrough: boolean;
}

/**
 * Feed SSE events with `push`; call `end` when the body ended. Usage and finish reason are read as
 * the chunks pass; the `finish` part is emitted only at the end, once the stream proved complete.
 */
export class OpenAIStreamConverter {
  private readonly options: OpenAIStreamConverterOptions;
  private started = false;
  private finishReason: FinishReason | undefined;
  private usage: OpenAIUsage | undefined;
  private failed = false;
  private sawDone = false;
  /** This stream's content-only chunks, read through their layout once one was parsed. */
  private readonly contentChunks: LearnedStringField;

  constructor(options: OpenAIStreamConverterOptions) {
    this.options = options;
    this.contentChunks = new LearnedStringField(openAIContentChunk, 4, options.contentChunkSlot);
  }

  /** The usage seen so far (partial streams keep what they had, for the trace). */
  get usageSoFar(): Usage | undefined {
    return this.usage ? convertOpenAIUsage(this.usage) : undefined;
  }

  /** `data: [DONE]` arrived: the upstream's last event; whatever follows it is ignored. */
  get ended(): boolean {
    return this.sawDone;
  }

  /** Returns the parts for one event; after an `error` part the stream is over. */
  push(event: SseEvent, parts: StreamPart[]): void {
    if (this.failed || this.sawDone) return;
    const data = event.data;
    if (data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    if (event.event === undefined) {
      const content = this.contentChunks.match(data);
      if (content !== undefined) {
        // Read exactly as the parse below would read it (a layout is learned only after the
        // stream-start part was pushed).
        if (this.options.passthrough) parts.push({ type: 'raw', format: 'openai-chat', data });
        if (content !== '') parts.push({ type: 'text-delta', delta: content });
        return;
      }
    }
    let chunk: OpenAIChatChunk;
    try {
      chunk = JSON.parse(data) as OpenAIChatChunk;
    } catch {
      this.fail(
        parts,
        'malformed',
        `upstream sent a stream event that is not JSON: ${data.slice(0, 120)}`,
      );
      return;
    }
    if (
      event.event === 'error' ||
      (chunk !== null && typeof chunk === 'object' && 'error' in chunk && chunk.error)
    ) {
      this.failed = true;
      parts.push({
        type: 'error',
        error: createOpenAIStreamError(chunk.error ?? chunk, this.options),
      });
      return;
    }
    if (chunk === null || typeof chunk !== 'object' || !Array.isArray(chunk.choices)) {
      this.fail(parts, 'malformed', 'upstream sent a stream chunk without choices');
      return;
    }
    const usageOnly = chunk.choices.length === 0;
    if (chunk.usage) this.usage = chunk.usage;
    if (this.options.passthrough) {
      parts.push(
        usageOnly
          ? { type: 'raw', format: 'openai-chat', data, usageOnly }
          : { type: 'raw', format: 'openai-chat', data },
      );
    }
    if (!this.started) {
      this.started = true;
      const head = openAIChunkHead(chunk);
      if (head !== undefined) this.contentChunks.adopt(head);
      parts.push({
        type: 'stream-start',
        id: chunk.id,
        model: chunk.model,
        created: chunk.created,
      });
    }
    const choice = chunk.choices[0];
    if (!choice) return;
    const delta = choice.delta ?? {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (reasoning) parts.push({ type: 'reasoning-delta', delta: reasoning });
    if (delta.content) parts.push({ type: 'text-delta', delta: delta.content });
    if (delta.tool_calls) {
      for (const call of delta.tool_calls) {
        if (call.id !== undefined || call.function?.name !== undefined) {
          parts.push({
            type: 'tool-call-start',
            index: call.index,
            id: call.id ?? '',
            name: call.function?.name ?? '',
          });
        }
        if (call.function?.arguments) {
          parts.push({
            type: 'tool-call-delta',
            index: call.index,
            argumentsDelta: call.function.arguments,
          });
        }
      }
    }
    if (choice.finish_reason) this.finishReason = mapOpenAIFinishReason(choice.finish_reason);
    if (delta.content && event.event === undefined) this.contentChunks.learn(data, chunk);
  }

  /**
   * The stream is over (`[DONE]` came, or the body ended): a `finish` part, or a
   * `truncated_stream` error when no finish reason came.
   */
  end(parts: StreamPart[]): void {
    if (this.failed) return;
    if (!this.finishReason) {
      this.fail(parts, 'truncated_stream', 'upstream stream ended without a finish reason');
      return;
    }
    parts.push({
      type: 'finish',
      finishReason: this.finishReason,
      usage: convertOpenAIUsage(this.usage),
    });
  }

  private fail(parts: StreamPart[], kind: 'malformed' | 'truncated_stream', message: string): void {
    this.failed = true;
    parts.push({
      type: 'error',
      error: new UpstreamError(message, {
        provider: this.options.provider,
        deployment: this.options.deployment,
        kind,
      }),
    });
  }
}
