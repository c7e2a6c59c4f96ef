// ResponseSink over node:http's ServerResponse: headers gathered until the first write, SSE text
// written as soon as it is given (the events of one upstream read come as one piece; nothing waits
// for more), and the client's disconnect observed. A class:
// one per request, so its methods are shared rather than closures made per request.

import type { ServerResponse } from 'node:http';
import { EncodedJson } from '../core/index.js';
import { numberText } from '../lib/number-text.js';
import type { ResponseSink } from '../pipeline/request-context.js';

const streamHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;

export class HttpResponseSink implements ResponseSink {
  status = 200;
  readonly #response: ServerResponse;
  readonly #headers: Record<string, string> = {};
  #closed = false;

  constructor(response: ServerResponse) {
    this.#response = response;
  }

  /** The server calls this from the response's 'close' event. */
  markClosed(): void {
    this.#closed = true;
  }

  get headersSent(): boolean {
    return this.#response.headersSent;
  }

  get closed(): boolean {
    return this.#closed || this.#response.destroyed;
  }

  setHeader(name: string, value: string): void {
    this.#headers[name] = value;
  }

  sendJson(status: number, body: unknown, extraHeaders?: Record<string, string>): void {
    this.status = status;
    // An upstream body forwarded unchanged goes out as the bytes it came as.
    const payload = body instanceof EncodedJson ? body.bytes : Buffer.from(JSON.stringify(body));
    const headers = this.#headers;
    for (const name in extraHeaders) headers[name] = extraHeaders[name] as string;
    headers['content-type'] = 'application/json';
    headers['content-length'] = numberText(payload.length);
    this.#response.writeHead(status, headers);
    this.#response.end(payload);
  }

  startStream(): void {
    this.status = 200;
    const headers = this.#headers;
    for (const name in streamHeaders) {
      headers[name] = streamHeaders[name as keyof typeof streamHeaders];
    }
    this.#response.writeHead(200, headers);
  }

  write(text: string): void {
    if (!this.#closed) this.#response.write(text);
  }

  end(text?: string): void {
    if (this.#response.writableEnded) return;
    if (text === undefined || this.#closed) this.#response.end();
    else this.#response.end(text);
  }
}

export function createResponseSink(response: ServerResponse): HttpResponseSink {
  return new HttpResponseSink(response);
}
