// Builds Converse response bodies and the ConverseStream event frames for a reply.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html ;
// events: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
// Text blocks get no contentBlockStart (only toolUse does); metadata (usage, metrics) comes last;
// real frames carry a variable "p" padding field (boto/boto3#4584).
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { Reply } from './build-reply.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PADDING = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export interface BedrockUsage {
  inputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

export interface BedrockReplyParts {
  reply: Reply;
  toolUseId: string;
  usage: BedrockUsage;
  stopReason: 'end_turn' | 'max_tokens' | 'tool_use';
  latencyMs: number;
}

export interface EventFrame {
  bytes: Uint8Array;
  /** Counts toward `afterChunks` (a text or tool-input delta). */
  content: boolean;
}

export interface BedrockEventStream {
  frames: EventFrame[];
  /** Index of messageStop: truncate never reaches it. */
  tailStart: number;
  /** A frame whose message CRC is wrong, for `malformed`. */
  malformedFrame: Uint8Array;
  /** The exception frame for `midStreamError`. */
  exceptionFrame: Uint8Array;
}

function fullUsage(usage: BedrockUsage, outputTokens: number): object {
  // totalTokens counts every input token once, whichever way inputTokens is reported.
  const input = usage.inputTokens;
  return {
    inputTokens: input,
    outputTokens,
    totalTokens: input + outputTokens,
    cacheReadInputTokens: usage.cacheReadInputTokens,
    cacheWriteInputTokens: usage.cacheWriteInputTokens,
  };
}

export function buildBedrockResponse(parts: BedrockReplyParts, totalTokensExtra: number): string {
  const { reply } = parts;
  const content =
    reply.type === 'text'
      ? [{ text: reply.text }]
      : [{ toolUse: { toolUseId: parts.toolUseId, name: reply.name, input: reply.input } }];
  const usage = fullUsage(parts.usage, reply.completionTokens) as { totalTokens: number };
  usage.totalTokens += totalTokensExtra;
  return JSON.stringify({
    output: { message: { role: 'assistant', content } },
    stopReason: parts.stopReason,
    usage,
    metrics: { latencyMs: parts.latencyMs },
  });
}

export function encodeEventFrame(eventType: string, payload: object, padding: number): Uint8Array {
  const body = padding > 0 ? { ...payload, p: PADDING.slice(0, padding) } : payload;
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(body)),
  });
}

/** A modeled exception frame, e.g. type 'throttlingException'. */
export function encodeExceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

export function buildBedrockStream(
  parts: BedrockReplyParts,
  totalTokensExtra: number,
  exception: { type: string; message: string },
): BedrockEventStream {
  const { reply } = parts;
  let counter = 0;
  const frame = (type: string, payload: object, content = false): EventFrame => ({
    bytes: encodeEventFrame(type, payload, 1 + ((counter++ * 7) % PADDING.length)),
    content,
  });
  const frames: EventFrame[] = [frame('messageStart', { role: 'assistant' })];
  if (reply.type === 'text') {
    for (const piece of reply.pieces) {
      frames.push(
        frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: piece } }, true),
      );
    }
  } else {
    frames.push(
      frame('contentBlockStart', {
        contentBlockIndex: 0,
        start: { toolUse: { toolUseId: parts.toolUseId, name: reply.name } },
      }),
    );
    for (const fragment of reply.fragments) {
      if (fragment === '') continue;
      frames.push(
        frame(
          'contentBlockDelta',
          { contentBlockIndex: 0, delta: { toolUse: { input: fragment } } },
          true,
        ),
      );
    }
  }
  frames.push(frame('contentBlockStop', { contentBlockIndex: 0 }));
  const tailStart = frames.length;
  frames.push(frame('messageStop', { stopReason: parts.stopReason }));
  const usage = fullUsage(parts.usage, reply.completionTokens) as { totalTokens: number };
  usage.totalTokens += totalTokensExtra;
  frames.push(frame('metadata', { usage, metrics: { latencyMs: parts.latencyMs } }));
  const malformed = Buffer.from(
    encodeEventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } }, 0),
  );
  malformed[malformed.length - 1] = (malformed[malformed.length - 1] ?? 0) ^ 0xff;
  const type = exception.type.charAt(0).toLowerCase() + exception.type.slice(1);
  return {
    frames,
    tailStart,
    malformedFrame: malformed,
    exceptionFrame: encodeExceptionFrame(type, exception.message),
  };
}
