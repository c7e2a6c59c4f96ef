// ResponseSink over node:http's ServerResponse: headers gathered until the first write, SSE
// written one event per write (no coalescing), and the client's disconnect observed.

import type { ServerResponse } from 'node:http';
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
      const text = JSON.stringify(body);
      response.writeHead(status, {
        ...headers,
        ...extraHeaders,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
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
