// Reads a request body with a size limit and parses it as JSON; errors are GatewayErrors.

import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/index.js';

/**
 * Collects the body from 'data' events (cheaper than an async iterator per request). With a
 * Content-Length (`declared`), the body is complete when that many bytes have come: it resolves
 * then, in the 'data' event, instead of waiting for 'end', which Node emits on a later tick (at
 * 1,000 req/s that wait and its turn were ~10 µs of the gateway's time before the upstream call).
 */
function readBody(request: IncomingMessage, limitBytes: number, declared: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        // Stop reading a body we refused; the server closes the connection after the answer.
        request.pause();
        reject(
          new GatewayError(
            'body_too_large',
            `Request body exceeds the limit of ${limitBytes} bytes.`,
          ),
        );
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
      if (size === declared) onEnd();
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    // The client went away before the body was complete.
    const onClose = () => {
      if (request.complete) return;
      cleanup();
      reject(new Error('client disconnected while sending the request body'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/** Whether the text has a character other than JSON whitespace. */
function hasContent(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return true;
  }
  return false;
}

/**
 * The whole body, taken from the request's buffer, if it is all there and nothing has consumed
 * it. Undefined otherwise.
 */
function bufferedBody(request: IncomingMessage, declared: number): Buffer | undefined {
  // The parser pushes no more than the declared length into a request, so all of it buffered is
  // the whole body (its end-of-message callback may come a moment later).
  if (request.readableFlowing !== null || request.readableLength !== declared) return undefined;
  // Paused, with everything buffered: read() hands over all of it (concatenated if in pieces).
  const buffer = declared === 0 ? Buffer.alloc(0) : (request.read() as Buffer | null);
  if (buffer === null || buffer.length !== declared) return undefined;
  // Flowing from here, so the request ends and closes as one read through 'data' would (a tick
  // later, once the pipeline has gone on to the upstream).
  request.resume();
  return buffer;
}

/** The Content-Length of a request (NaN without one), refused at once when over the limit. */
function declaredLength(request: IncomingMessage, limitBytes: number): number {
  // Node's parser has checked the header (digits only, one value); absent → NaN (chunked body).
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new GatewayError(
      'body_too_large',
      `Request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes.`,
    );
  }
  return declared;
}

function parseJsonBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (!hasContent(text)) {
    throw new GatewayError('invalid_json', 'The request body is empty; expected a JSON object.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GatewayError(
      'invalid_json',
      `We could not parse the JSON body of your request: ${(error as Error).message}.`,
    );
  }
}

/** What takeJsonBody answers for a body that is not all in the request's buffer. */
export const bodyNotBuffered: unique symbol = Symbol('body not buffered');

/**
 * The parsed body, if it is all in the request's buffer now; `bodyNotBuffered` otherwise (then
 * readArrivingJsonBody reads it). Call it one microtask after the server's 'request' event: Node's
 * parser emits that event at the end of the headers, before it goes on to the body in the same
 * read, and one microtask later the body of that read has been pushed into the request. A body that
 * came with its headers (nearly every request) is then taken from the buffer, without switching the
 * stream to flowing mode (a tick, then 'data' events and the listeners that follow them; the
 * body's read at 1,000 req/s went from 18–20 to 15–17 µs, BENCHMARKS.md, seventeenth session).
 * Synchronous, so that the server's handler waits one microtask, not an async reader's two hops.
 */
export function takeJsonBody(request: IncomingMessage, limitBytes: number): unknown {
  const declared = declaredLength(request, limitBytes);
  const bytes = Number.isFinite(declared) ? bufferedBody(request, declared) : undefined;
  return bytes === undefined ? bodyNotBuffered : parseJsonBody(bytes);
}

/** Reads and parses a body that takeJsonBody did not find buffered, as it arrives. */
export async function readArrivingJsonBody(
  request: IncomingMessage,
  limitBytes: number,
): Promise<unknown> {
  return parseJsonBody(await readBody(request, limitBytes, declaredLength(request, limitBytes)));
}

/** Reads the body (taken from the buffer when it is all there, else as it comes) and parses it. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  declaredLength(request, limitBytes);
  await Promise.resolve();
  const taken = takeJsonBody(request, limitBytes);
  return taken !== bodyNotBuffered ? taken : readArrivingJsonBody(request, limitBytes);
}
