// Anthropic Messages SSE events → internal stream parts, with a "no stop reason" check.
// Event sequence: https://docs.anthropic.com/en/api/messages-streaming — message_start, then per
// content block content_block_start / _delta* / _stop, message_delta (stop_reason, CUMULATIVE
// usage), message_stop; `ping` anywhere; `event: error` possibly after a 200 and some content.

import { UpstreamError, type FinishReason, type StreamPart, type Usage } from '../../core/index.js';
import type { SseEvent } from '../../lib/sse-decoder.js';
import {
  LearnedStringField,
  type StringFieldShape,
  type TemplateSlot,
} from '../shared/string-field-template.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './anthropic-api.js';
import { createAnthropicStreamError } from './anthropic-error.js';
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

/**
 * A text delta and nothing else: `{"type":"content_block_delta","index":0,"delta":{"type":
 * "text_delta","text":"…"}}`. Most of a stream's events; read through a template after the first
 * (see StringFieldTemplate).
 */
export const anthropicTextDelta: StringFieldShape = {
  key: '"text":',
  read(parsed) {
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const event = parsed as Record<string, unknown>;
    if (event.type !== 'content_block_delta' || typeof event.index !== 'number') return undefined;
    if (Object.keys(event).length !== 3) return undefined;
    const delta = event.delta as Record<string, unknown> | null;
    if (delta === null || typeof delta !== 'object' || delta.type !== 'text_delta')
      return undefined;
    if (Object.keys(delta).length !== 2 || typeof delta.text !== 'string') return undefined;
    return delta.text;
  },
};

/**
 * Events the converter reads nothing from but their type — `{"type":"ping"}`,
 * `{"type":"content_block_stop","index":0}`, `{"type":"message_stop"}` — are the same text in
 * every stream: their parse is kept (frozen; read, never changed) and found again by the text,
 * instead of a JSON.parse per event. Bounded: the first 64 texts only (block indexes 0–60 or so).
 */
const constantEventTypes: ReadonlySet<string> = new Set([
  'ping',
  'content_block_stop',
  'message_stop',
]);
const constantEvents = new Map<string, AnthropicStreamEvent>();
const maxConstantEvents = 64;
const maxConstantEventLength = 64;

function rememberConstantEvent(text: string, parsed: AnthropicStreamEvent): void {
  if (
    text.length <= maxConstantEventLength &&
    constantEventTypes.has(parsed.type) &&
    constantEvents.size < maxConstantEvents
  ) {
    constantEvents.set(text, Object.freeze(parsed));
  }
}

export interface AnthropicStreamConverterOptions {
  provider: string;
  deployment: string;
  /** The provider's streams' last learned text-delta layout (see TemplateSlot). */
  textDeltaSlot?: TemplateSlot;
  /**
   * Also emit each event as a `raw` part, for a surface that speaks Anthropic (fast path). The
   * `message_stop` event is held back until `end`, which puts it right before the `finish` part
   * of a stream proved complete (a stop reason came before it).
   */
  passthrough: boolean;
  /** Injectable clock (seconds) for `created`, which Anthropic does not send. */
  nowSeconds?: () => number;
}

export class AnthropicStreamConverter {
  private readonly options: AnthropicStreamConverterOptions;
  private started = false;
  private usage: AnthropicUsage = {};
  private finishReason: FinishReason | undefined;
  private heldStop: StreamPart | undefined;
  private sawStop = false;
  private failed = false;
  /** Content block index → tool-call ordinal (OpenAI numbers tool calls 0, 1, … on their own). */
  private toolOrdinals: Map<number, number> | undefined;
  /** This stream's text deltas, read through their layout once one was parsed. */
  private readonly textDeltas: LearnedStringField;

  constructor(options: AnthropicStreamConverterOptions) {
    this.options = options;
    this.textDeltas = new LearnedStringField(anthropicTextDelta, 4, options.textDeltaSlot);
  }

  get usageSoFar(): Usage | undefined {
    return this.started ? convertAnthropicUsage(this.usage) : undefined;
  }

  /** `message_stop` arrived: the upstream's last event; whatever follows it is ignored. */
  get ended(): boolean {
    return this.sawStop;
  }

  push(event: SseEvent, parts: StreamPart[]): void {
    if (this.failed || this.sawStop) return;
    if (event.event === 'content_block_delta') {
      const text = this.textDeltas.match(event.data);
      if (text !== undefined) {
        // Read exactly as the parse below would read it.
        if (this.options.passthrough) {
          parts.push({
            type: 'raw',
            format: 'anthropic-messages',
            event: event.event,
            data: event.data,
          });
        }
        if (text !== '') parts.push({ type: 'text-delta', delta: text });
        return;
      }
    }
    let data =
      event.data.length <= maxConstantEventLength ? constantEvents.get(event.data) : undefined;
    if (data === undefined) {
      try {
        data = JSON.parse(event.data) as AnthropicStreamEvent;
      } catch {
        this.fail(
          parts,
          'malformed',
          `upstream sent a stream event that is not JSON: ${event.data.slice(0, 120)}`,
        );
        return;
      }
      if (data === null || typeof data !== 'object' || typeof data.type !== 'string') {
        this.fail(parts, 'malformed', 'upstream sent a stream event without a type');
        return;
      }
      rememberConstantEvent(event.data, data);
    }
    if (event.event === 'error' || data.type === 'error') {
      this.failed = true;
      const error = data.type === 'error' ? data.error : undefined;
      parts.push({ type: 'error', error: createAnthropicStreamError(error, this.options) });
      return;
    }
    if (this.options.passthrough) {
      const raw: StreamPart = {
        type: 'raw',
        format: 'anthropic-messages',
        event: event.event ?? data.type,
        data: event.data,
      };
      if (data.type === 'message_stop') this.heldStop = raw;
      else parts.push(raw);
    }
    switch (data.type) {
      case 'message_start': {
        this.started = true;
        const message = data.message;
        this.usage = mergeAnthropicUsage(this.usage, message.usage);
        parts.push({
          type: 'stream-start',
          id: message.id,
          model: message.model,
          created: (this.options.nowSeconds ?? (() => Math.floor(Date.now() / 1000)))(),
        });
        return;
      }
      case 'content_block_start': {
        const block = data.content_block;
        if (block.type === 'tool_use') {
          // Made at the first tool call: most streams have none.
          this.toolOrdinals ??= new Map();
          const ordinal = this.toolOrdinals.size;
          this.toolOrdinals.set(data.index, ordinal);
          parts.push({
            type: 'tool-call-start',
            index: ordinal,
            id: String(block.id),
            name: String(block.name),
          });
        } else if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
          parts.push({ type: 'text-delta', delta: block.text });
        } else if (
          block.type === 'thinking' &&
          typeof block.thinking === 'string' &&
          block.thinking !== ''
        ) {
          parts.push({ type: 'reasoning-delta', delta: block.thinking });
        }
        return;
      }
      case 'content_block_delta': {
        const delta = data.delta;
        switch (delta.type) {
          case 'text_delta':
            if (delta.text !== '') parts.push({ type: 'text-delta', delta: delta.text });
            if (event.event === 'content_block_delta') this.textDeltas.learn(event.data, data);
            return;
          case 'input_json_delta': {
            const ordinal = this.toolOrdinals?.get(data.index);
            if (ordinal !== undefined && delta.partial_json !== '') {
              parts.push({
                type: 'tool-call-delta',
                index: ordinal,
                argumentsDelta: delta.partial_json,
              });
            }
            return;
          }
          case 'thinking_delta':
            if (delta.thinking !== '')
              parts.push({ type: 'reasoning-delta', delta: delta.thinking });
            return;
          case 'signature_delta':
            parts.push({ type: 'reasoning-delta', delta: '', signature: delta.signature });
            return;
          case 'citations_delta':
          default:
            // citations_delta and newer delta types: forwarded raw on the fast path only.
            return;
        }
      }
      case 'message_delta':
        this.usage = mergeAnthropicUsage(this.usage, data.usage);
        if (data.delta.stop_reason)
          this.finishReason = mapAnthropicStopReason(data.delta.stop_reason);
        return;
      case 'message_stop':
        this.sawStop = true;
        return;
      case 'content_block_stop':
      case 'ping':
      default:
        // Nothing to translate (event types added later included).
        return;
    }
  }

  /**
   * The stream is over (`message_stop` came, or the body ended): `finish`, or a
   * `truncated_stream` error when no stop reason / message_stop came.
   */
  end(parts: StreamPart[]): void {
    if (this.failed) return;
    if (!this.finishReason || !this.sawStop) {
      this.fail(
        parts,
        'truncated_stream',
        'upstream stream ended without message_delta stop_reason and message_stop',
      );
      return;
    }
    if (this.heldStop) parts.push(this.heldStop);
    parts.push({
      type: 'finish',
      finishReason: this.finishReason,
      usage: convertAnthropicUsage(this.usage),
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
