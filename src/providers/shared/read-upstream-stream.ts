// Reads an upstream stream body into internal parts, whatever its framing (SSE, AWS event
// stream): decode frames, convert them, enforce first-event and idle timeouts, and close the
// upstream connection when the reader stops early. Each provider supplies its decoder and
// converter; this loop is the same for all of them.

import { UpstreamError, type BatchedParts, type StreamPart } from '../../core/index.js';
import type { AbortScope } from '../../lib/abort-scope.js';
import type { UpstreamStreamBody } from './send-upstream-request.js';

export interface FrameDecoder<Frame> {
  /** Frames completed by this chunk. May throw on bytes that cannot be framed. */
  push(chunk: Buffer): Frame[];
  /** End of input: the last frames, if the framing yields any. May throw on a cut frame. */
  end(): Frame[] | void;
}

export interface StreamConverter<Frame> {
  push(frame: Frame, parts: StreamPart[]): void;
  /**
   * The upstream's last event arrived (OpenAI's `[DONE]`, Anthropic's `message_stop`, Bedrock's
   * `metadata`): the stream is over without waiting for the body to end.
   */
  readonly ended?: boolean;
  /**
   * The stream is over (its last event came, or the body ended): a `finish` part, or an error
   * part when the stream was not complete.
   */
  end(parts: StreamPart[]): void;
}

/** What an upstream may still send after its last event before its connection is given up. */
const maxBytesAfterLastEvent = 64 * 1024;

export interface ReadUpstreamStreamOptions<Frame> {
  body: UpstreamStreamBody;
  decoder: FrameDecoder<Frame>;
  converter: StreamConverter<Frame>;
  scope: AbortScope;
  origin: { provider: string; deployment: string };
  idleMs: number;
  /** Cancels the first-event timer armed before the request was sent. */
  cancelFirstEventTimer: () => void;
  toTransportError: (error: unknown) => UpstreamError;
  /** A framing error: by default a transport error; Bedrock turns it into a malformed stream. */
  onDecodeError?: (error: Error, parts: StreamPart[]) => void;
}

/**
 * The parts of an upstream stream, one at a time (an async generator, as every consumer expects),
 * and also grouped by arrival (`batches`, see BatchedParts): each batch is what had arrived when
 * the reader got to it (one upstream chunk, or every chunk queued meanwhile; the stream's first
 * chunk always alone, so the first byte waits for no later chunk), and the gateway writes it in
 * one write, with no generator step per part. Read one or the other, once.
 */
export function readUpstreamStream<Frame>(
  options: ReadUpstreamStreamOptions<Frame>,
): AsyncGenerator<StreamPart> & BatchedParts {
  const source = readBatches(options);
  let claimed = false;
  const claim = (): AsyncGenerator<StreamPart[]> => {
    if (claimed) throw new Error('the parts of an upstream stream are read once');
    claimed = true;
    return source;
  };
  return Object.assign(flatten(claim), { batches: claim });
}

// Declared here, at module level, not as a function expression inside readUpstreamStream: V8 gives
// every generator (or constructor) function object its own initial map, allocated in the old
// generation, whose constructor field points back to the function and so to its closure. A
// generator function made per call left, per stream, an old-generation map that held the stream's
// whole state (body, decoder, parts, the request behind them) reachable for every young-generation
// GC until the next mark-compact: ~13 KB per streamed request promoted, 14-16 ms scavenges at max
// rate (BENCHMARKS.md, eighth session). `no-restricted-syntax` in eslint.config.js keeps it so.
async function* flatten(claim: () => AsyncGenerator<StreamPart[]>): AsyncGenerator<StreamPart> {
  for await (const batch of claim()) yield* batch;
}

async function* readBatches<Frame>(
  options: ReadUpstreamStreamOptions<Frame>,
): AsyncGenerator<StreamPart[]> {
  const { body, decoder, converter, scope, origin } = options;
  let parts: StreamPart[] = [];
  let cancelFirstEvent: (() => void) | undefined = options.cancelFirstEventTimer;
  // Armed at the first event (before it, the first-event timer rules), touched by every chunk.
  let idle: { touch(): void } | undefined;
  let completed = false;
  const onDecodeError = options.onDecodeError;
  const noFrames: Frame[] = [];
  // Called once per upstream chunk: no closure per call.
  const decode = (chunk: Buffer | undefined): Frame[] => {
    if (!onDecodeError) return (chunk ? decoder.push(chunk) : decoder.end()) ?? noFrames;
    try {
      return (chunk ? decoder.push(chunk) : decoder.end()) ?? noFrames;
    } catch (error) {
      onDecodeError(error as Error, parts);
      return noFrames;
    }
  };
  let lastEventCame = false;
  let firstOut = false;
  try {
    try {
      for (;;) {
        // What has arrived is taken at once and goes out as one batch: the reader hands over what
        // it holds only when the queue is empty, then waits. Nothing waits for a later chunk; the
        // chunks that were already queued (an upstream that sent its events in separate writes,
        // or a reader that was busy) become one write to the client instead of one each.
        const chunk = body.read();
        if (chunk === undefined) {
          if (parts.length > 0) {
            firstOut = true;
            yield parts;
            parts = [];
          }
          await body.arrival();
          continue;
        }
        if (chunk === null) break;
        idle?.touch();
        const from = parts.length;
        for (const frame of decode(chunk)) {
          if (cancelFirstEvent) {
            cancelFirstEvent();
            cancelFirstEvent = undefined;
            idle = scope.setIdleTimer(
              options.idleMs,
              () =>
                new UpstreamError(`${origin.provider} stream was silent for ${options.idleMs} ms`, {
                  ...origin,
                  kind: 'idle_timeout',
                }),
            );
          }
          converter.push(frame, parts);
        }
        // Nothing after an error part: the stream is over.
        for (let index = from; index < parts.length; index++) {
          if (parts[index]?.type === 'error') {
            yield parts.slice(0, index + 1);
            return;
          }
        }
        if (converter.ended === true) {
          lastEventCame = true;
          break;
        }
        // The stream's first parts go out at once, not after the chunks queued behind them: the
        // client's first byte (its time to first token) does not wait for the rest of the read.
        if (!firstOut && parts.length > 0) {
          firstOut = true;
          yield parts;
          parts = [];
        }
      }
    } catch (error) {
      // What came before the failure goes out first.
      parts.push({ type: 'error', error: options.toTransportError(error) });
      yield parts;
      return;
    }
    if (!lastEventCame) {
      for (const frame of decode(undefined)) converter.push(frame, parts);
    }
    converter.end(parts);
    completed = !parts.some((part) => part.type === 'error');
    if (parts.length > 0) yield parts;
  } finally {
    scope.dispose();
    // The rest of a body whose last event came is read and dropped (its connection is reused).
    if (completed && lastEventCame) body.drain(maxBytesAfterLastEvent, options.idleMs);
    // Stopping early (client gone, error) closes the upstream connection: it stops costing money.
    else if (!completed) body.destroy();
  }
}
