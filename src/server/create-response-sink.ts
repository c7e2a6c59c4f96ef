// ResponseSink over node:http's ServerResponse: headers gathered until the first write, SSE
// written one event per write (no coalescing), and the client's disconnect observed.

import type { ServerResponse } from 'node:http';
import { EncodedJson } from '../core/index.js';
import type { ResponseSink } from '../pipeline/request-context.js';

const streamHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

export function createResponseSink(response: ServerResponse): ResponseSink & { status: number } {
  const headers: Record<string, string> = {};
  let closed = false;
  response.once('close', () => {
    closed = true;
  });
  return {
    status: 200,
    get headersSent() {
      return response.headersSent;
    },
    get closed() {
      return closed || response.destroyed;
    },
    setHeader(name, value) {
      headers[name] = value;
    },
    sendJson(status, body, extraHeaders) {
      this.status = status;
      // An upstream body forwarded unchanged goes out as the bytes it came as.
      const payload = body instanceof EncodedJson ? body.bytes : Buffer.from(JSON.stringify(body));
      for (const name in extraHeaders) headers[name] = extraHeaders[name] as string;
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
      response.writeHead(status, headers);
      response.end(payload);
    },
    startStream() {
      this.status = 200;
      response.writeHead(200, { ...headers, ...streamHeaders });
    },
    write(text) {
      if (!closed) response.write(text);
    },
    end() {
      if (!response.writableEnded) response.end();
    },
  };
}
