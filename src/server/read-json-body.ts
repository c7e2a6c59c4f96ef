// Reads a request body with a size limit and parses it as JSON; errors are GatewayErrors.

import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/index.js';

export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new GatewayError(
      'body_too_large',
      `Request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes.`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) {
      throw new GatewayError(
        'body_too_large',
        `Request body exceeds the limit of ${limitBytes} bytes.`,
      );
    }
    chunks.push(buffer);
  }
  const text =
    chunks.length === 1
      ? (chunks[0] as Buffer).toString('utf8')
      : Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
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
