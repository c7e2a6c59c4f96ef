// The floor for any Node gateway: a bare pass-through proxy (node:http server + undici Pool
// `request`), piping the request body up and the response body down chunk by chunk, with no
// parsing, no logging and no routing. The benchmark compares the gateway against it.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export interface BareProxyOptions {
  /** Origin of the upstream, e.g. http://127.0.0.1:PORT. */
  upstreamUrl: string;
  host?: string;
  port?: number;
  /** Same default as the gateway's providers (maxConnections 256). */
  connections?: number;
}

export interface BareProxy {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !hopByHop.has(name)) out[name] = value;
  }
  return out;
}

export async function startBareProxy(options: BareProxyOptions): Promise<BareProxy> {
  const pool = new Pool(new URL(options.upstreamUrl).origin, {
    connections: options.connections ?? 256,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const server = createServer(
    { keepAliveTimeout: 65_000, requestTimeout: 0 },
    (request, response) => {
      const controller = new AbortController();
      // A client that leaves aborts the upstream request (as the gateway does).
      response.once('close', () => {
        if (!response.writableFinished) controller.abort();
      });
      const method = request.method ?? 'GET';
      const hasBody = method !== 'GET' && method !== 'HEAD';
      pool
        .request({
          path: request.url ?? '/',
          method,
          headers: forwardable(request.headers),
          body: hasBody ? request : null,
          signal: controller.signal,
        })
        .then(
          (upstream) => {
            response.writeHead(upstream.statusCode, forwardable(upstream.headers));
            // pipe writes each upstream chunk as it arrives: no buffering of streams. Not
            // stream.pipeline: on Node 20 its per-call AbortController (a DOMException at every
            // finish) and end-of-stream bookkeeping cost this proxy ~1.5× the CPU per streamed
            // request (BENCHMARKS.md, sixth session) — a floor must not carry that.
            const body = upstream.body;
            body.once('error', () => response.destroy());
            response.once('error', () => body.destroy());
            body.pipe(response);
          },
          (error: unknown) => {
            if (response.headersSent) {
              response.destroy();
              return;
            }
            const text = JSON.stringify({ error: { message: `bare proxy: ${String(error)}` } });
            response.writeHead(502, { 'content-type': 'application/json' });
            response.end(text);
          },
        );
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
    },
  };
}
