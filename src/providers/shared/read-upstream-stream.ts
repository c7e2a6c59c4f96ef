// Reads an upstream stream body into internal parts, whatever its framing (SSE, AWS event
// stream): decode frames, convert them, enforce first-event and idle timeouts, and close the
// upstream connection when the reader stops early. Each provider supplies its decoder and
// converter; this loop is the same for all of them.

import type { Dispatcher } from 'undici';
import { UpstreamError, type BatchedParts, type StreamPart } from '../../core/index.js';
import type { AbortScope } from '../../lib/abort-scope.js';

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

function ignoreError(): void {}

/** What an upstream may still send after its last event before its connection is given up. */
const maxBytesAfterLastEvent = 64 * 1024;

/**
 * Reads and discards the rest of a body whose last event arrived (usually just the chunked
 * terminator), so that its keep-alive connection goes back to the pool; an upstream that sends
 * more than a little or takes longer than the idle timeout to end loses the connection instead.
 */
function drainAfterLastEvent(body: Dispatcher.ResponseData['body'], idleMs: number): void {
  if (body.destroyed || body.readableEnded) return;
  let bytes = 0;
  const giveUp = setTimeout(() => body.destroy(), idleMs);
  giveUp.unref();
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxBytesAfterLastEvent) body.destroy();
  });
  // A failure after the last event changes nothing the client got.
  body.on('error', ignoreError);
  body.once('close', () => clearTimeout(giveUp));
  body.resume();
}

export interface ReadUpstreamStreamOptions<Frame> {
  body: Dispatcher.ResponseData['body'];
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
 * and also grouped by the upstream read that produced them (`batches`, see BatchedParts): the
 * gateway writes what arrived together in one write, with no generator step per part. Read one
 * or the other, once.
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
  // Leaving the loop at the last event must not destroy the body (its connection is reused).
  const chunks = body.iterator({ destroyOnReturn: false });
  let lastEventCame = false;
  try {
    try {
      for await (const chunk of chunks) {
        idle?.touch();
        for (const frame of decode(chunk as Buffer)) {
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
        if (converter.ended === true && !parts.some((part) => part.type === 'error')) {
          lastEventCame = true;
          break;
        }
        if (parts.length > 0) {
          // Nothing after an error part: the stream is over.
          const failedAt = parts.findIndex((part) => part.type === 'error');
          if (failedAt !== -1) {
            yield parts.slice(0, failedAt + 1);
            return;
          }
          yield parts;
          parts = [];
        }
      }
    } catch (error) {
      yield [{ type: 'error', error: options.toTransportError(error) }];
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
    if (completed && lastEventCame) {
      drainAfterLastEvent(body, options.idleMs);
    } else if (!completed && !body.destroyed) {
      // Stopping early (client gone, error) closes the upstream connection: it stops costing money.
      // (undici's body reports its own destruction as an error: nobody reads it any more.)
      body.on('error', ignoreError);
      body.destroy();
    }
  }
}
