// Incremental decoder for the AWS event-stream binary framing (application/vnd.amazon.eventstream):
// cuts whole frames out of arbitrary chunks by their 4-byte total-length prelude and hands each to
// @smithy/eventstream-codec, which checks both CRCs and parses the headers.
// Framing: https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream

import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { Message } from '@smithy/types';

export type EventStreamMessage = Message;

/** Prelude (total length, headers length, prelude CRC) + message CRC. */
const MIN_FRAME_BYTES = 16;
/** Far above any real Converse event; a larger length means the bytes are not event-stream. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class EventStreamFrameError extends Error {
  override readonly name = 'EventStreamFrameError';
}

export class EventStreamDecoder {
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private buffer: Buffer = Buffer.alloc(0);

  /** Returns the frames completed by this chunk (possibly none); throws EventStreamFrameError. */
  push(chunk: Uint8Array): EventStreamMessage[] {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    this.buffer = this.buffer.length === 0 ? bytes : Buffer.concat([this.buffer, bytes]);
    const messages: EventStreamMessage[] = [];
    while (this.buffer.length >= 4) {
      const total = this.buffer.readUInt32BE(0);
      if (total < MIN_FRAME_BYTES || total > MAX_FRAME_BYTES) {
        throw new EventStreamFrameError(`event-stream frame of impossible length ${total}`);
      }
      if (this.buffer.length < total) break;
      const frame = this.buffer.subarray(0, total);
      this.buffer = this.buffer.subarray(total);
      try {
        messages.push(this.codec.decode(frame));
      } catch (error) {
        throw new EventStreamFrameError(`bad event-stream frame: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    return messages;
  }

  /** The body ended: leftover bytes mean a frame was cut off. */
  end(): void {
    if (this.buffer.length > 0) {
      const left = this.buffer.length;
      this.buffer = Buffer.alloc(0);
      throw new EventStreamFrameError(`event stream ended inside a frame (${left} bytes left)`);
    }
  }
}
