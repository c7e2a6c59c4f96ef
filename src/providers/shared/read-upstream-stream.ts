// Reads an upstream stream body into internal parts, whatever its framing (SSE, AWS event
// stream): decode frames, convert them, enforce first-event and idle timeouts, and close the
// upstream connection when the reader stops early. Each provider supplies its decoder and
// converter; this loop is the same for all of them.

import type { Dispatcher } from 'undici';
import { UpstreamError, type StreamPart } from '../../core/index.js';
import type { AbortScope } from '../../lib/abort-scope.js';

export interface FrameDecoder<Frame> {
  /** Frames completed by this chunk. May throw on bytes that cannot be framed. */
  push(chunk: Buffer): Frame[];
  /** End of input: the last frames, if the framing yields any. May throw on a cut frame. */
  end(): Frame[] | void;
}

export interface StreamConverter<Frame> {
  push(frame: Frame, parts: StreamPart[]): void;
  /** The body ended: a `finish` part, or an error part when the stream was not complete. */
  end(parts: StreamPart[]): void;
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

export async function* readUpstreamStream<Frame>(
  options: ReadUpstreamStreamOptions<Frame>,
): AsyncGenerator<StreamPart> {
  const { body, decoder, converter, scope, origin } = options;
  const parts: StreamPart[] = [];
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
  try {
    try {
      for await (const chunk of body) {
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
        if (parts.length > 0) {
          for (const part of parts) {
            yield part;
            if (part.type === 'error') return;
          }
          parts.length = 0;
        }
      }
    } catch (error) {
      yield { type: 'error', error: options.toTransportError(error) };
      return;
    }
    for (const frame of decode(undefined)) converter.push(frame, parts);
    converter.end(parts);
    for (const part of parts) yield part;
    completed = true;
  } finally {
    scope.dispose();
    // Stopping early (client gone, error) closes the upstream connection: it stops costing money.
    if (!completed && !body.destroyed) body.destroy();
  }
}
