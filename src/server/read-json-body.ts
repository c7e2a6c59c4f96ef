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

export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  // Node's parser has checked the header (digits only, one value); absent → NaN (chunked body).
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new GatewayError(
      'body_too_large',
      `Request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes.`,
    );
  }
  const text = (await readBody(request, limitBytes, declared)).toString('utf8');
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
