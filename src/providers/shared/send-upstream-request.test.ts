// Upstream exchanges through undici's dispatch handlers, against a real HTTP server. A JSON answer
// read whole (requestUpstreamJson): parsed and its bytes kept (byte-order mark dropped), an error
// status with its body (capped), a body that is not JSON, an abort that closes the upstream
// connection. A streamed answer (requestUpstreamStream): chunks handed over as they arrive, an
// error status, an abort or the reader's stop closing the connection, the rest of a finished
// stream drained so its connection is reused, a reader that falls behind pausing the upstream.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { UpstreamError } from '../../core/index.js';
import { createAbortScope } from '../../lib/abort-scope.js';
import { RequestAbort } from '../../lib/request-abort.js';
import {
  requestUpstreamJson,
  requestUpstreamStream,
  type UpstreamErrorFactories,
  type UpstreamStreamBody,
} from './send-upstream-request.js';

const origin = { provider: 'p', deployment: 'p/m' };

/** Errors as a provider makes them, with what they were given, so a test can read it back. */
const errors: UpstreamErrorFactories = {
  transport: (error) =>
    new UpstreamError(`transport: ${(error as Error).message}`, { ...origin, kind: 'connect' }),
  http: (status, headers, bodyText) =>
    Object.assign(new UpstreamError(`http ${status}`, { ...origin, kind: 'server', status }), {
      seen: { headers, bodyText },
    }),
};

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * A real HTTP upstream for one describe block: answers each path with the handler set for it,
 * and notes the paths whose response closed before it finished (the gateway's side hung up).
 */
function upstreamServer(poolOptions: Pool.Options = {}) {
  const state = {
    server: undefined as Server | undefined,
    pool: undefined as unknown as Pool,
    connections: 0,
    closed: [] as string[],
    handlers: new Map<string, Handler>(),
  };
  before(async () => {
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => state.handlers.get(request.url ?? '')?.(request, response));
      response.on('close', () => {
        if (!response.writableFinished) state.closed.push(request.url ?? '');
      });
    });
    server.on('connection', () => state.connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    state.server = server;
    state.pool = new Pool(`http://127.0.0.1:${port}`, poolOptions);
  });
  after(async () => {
    await state.pool.close();
    state.server?.closeAllConnections();
    await new Promise((resolve) => state.server?.close(resolve));
  });
  return state;
}

describe('requestUpstreamJson', () => {
  const upstream = upstreamServer();
  const { closed, handlers } = upstream;

  function exchange(path: string, parent = new RequestAbort()) {
    const scope = createAbortScope(parent);
    return {
      scope,
      answer: requestUpstreamJson<Record<string, unknown>>({
        dispatcher: upstream.pool,
        path,
        headers: { 'content-type': 'application/json' },
        body: '{"q":1}',
        scope,
        idleMs: 5_000,
        origin,
        errors,
      }),
    };
  }

  it('parses an answer sent in pieces, keeps its bytes without the byte-order mark, and its headers', async () => {
    handlers.set('/ok', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'r-1' });
      response.write(Buffer.from([0xef, 0xbb, 0xbf]));
      response.write('{"choices":[{"text":"hé');
      setTimeout(() => response.end('llo"}]}'), 20);
    });
    const { value, bytes, headers } = await exchange('/ok').answer;
    assert.deepEqual(value, { choices: [{ text: 'héllo' }] });
    assert.equal(bytes.toString('utf8'), '{"choices":[{"text":"héllo"}]}');
    assert.equal(headers['x-amzn-requestid'], 'r-1');
  });

  it('an error status is an http error with its headers and at most 64 KB of its body', async () => {
    handlers.set('/busy', (_request, response) => {
      response.writeHead(429, { 'retry-after': '7' });
      response.end('x'.repeat(100_000));
    });
    const error = await exchange('/busy').answer.then(
      () => assert.fail('resolved'),
      (thrown: unknown) =>
        thrown as UpstreamError & { seen: { headers: Record<string, string>; bodyText: string } },
    );
    assert.equal(error.message, 'http 429');
    assert.equal(error.seen.headers['retry-after'], '7');
    assert.equal(error.seen.bodyText.length, 64 * 1024);
  });

  it('a 2xx body that is not JSON is malformed, with an excerpt', async () => {
    handlers.set('/html', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>gateway timeout</html>');
    });
    await assert.rejects(exchange('/html').answer, (error: unknown) => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.kind, 'malformed');
      assert.match(error.message, /not JSON/);
      return true;
    });
  });

  it('an abort of the attempt rejects as a transport error and closes the upstream connection', async () => {
    handlers.set('/hang', () => {
      // Never answers.
    });
    const parent = new RequestAbort();
    const { answer } = exchange('/hang', parent);
    await new Promise((resolve) => setTimeout(resolve, 50));
    parent.abort(new Error('client disconnected'));
    await assert.rejects(answer, /transport: client disconnected/);
    for (let waited = 0; !closed.includes('/hang') && waited < 2_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(closed.includes('/hang'), 'the upstream saw the connection close');
  });

  it('an attempt aborted before it starts never reaches the upstream', async () => {
    let reached = false;
    handlers.set('/never', (_request, response) => {
      reached = true;
      response.end('{}');
    });
    const parent = new RequestAbort();
    parent.abort(new Error('gone already'));
    await assert.rejects(exchange('/never', parent).answer, /transport: gone already/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(reached, false);
  });
});

describe('requestUpstreamStream', () => {
  // One connection: a stream drained after its last event is seen reusing it.
  const upstream = upstreamServer({ connections: 1 });
  const { closed, handlers } = upstream;

  function exchange(path: string, parent = new RequestAbort()) {
    return requestUpstreamStream({
      dispatcher: upstream.pool,
      path,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: '{"stream":true}',
      scope: createAbortScope(parent),
      idleMs: 5_000,
      origin,
      errors,
    });
  }

  /** The next chunk, waiting for it if it has not arrived (null at the end). */
  async function next(body: UpstreamStreamBody): Promise<Buffer | null> {
    for (;;) {
      const chunk = body.read();
      if (chunk !== undefined) return chunk;
      await body.arrival();
    }
  }

  async function waitUntil(done: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !done() && waited < 2_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(done(), what);
  }

  it('hands over each chunk as it arrives, then the end', async () => {
    let sendSecond: () => void = () => {};
    handlers.set('/events', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'r-2' });
      response.write('data: one\n\n');
      sendSecond = () => response.end('data: two\n\n');
    });
    const { statusCode, headers, body } = await exchange('/events');
    assert.equal(statusCode, 200);
    assert.equal(headers['x-request-id'], 'r-2');
    assert.equal((await next(body))?.toString(), 'data: one\n\n');
    // Nothing more until the upstream sends it.
    assert.equal(body.read(), undefined);
    const arrived = body.arrival();
    sendSecond();
    await arrived;
    assert.equal((await next(body))?.toString(), 'data: two\n\n');
    assert.equal(await next(body), null);
  });

  it('an error status is an http error with its body', async () => {
    handlers.set('/overloaded', (_request, response) => {
      response.writeHead(529, { 'content-type': 'application/json' });
      response.end('{"type":"error","error":{"type":"overloaded_error"}}');
    });
    const error = await exchange('/overloaded').then(
      () => assert.fail('resolved'),
      (thrown: unknown) => thrown as UpstreamError & { seen: { bodyText: string } },
    );
    assert.equal(error.message, 'http 529');
    assert.match(error.seen.bodyText, /overloaded_error/);
  });

  it('an abort mid-stream fails the next read with its reason and closes the connection', async () => {
    handlers.set('/abort', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
    });
    const parent = new RequestAbort();
    const { body } = await exchange('/abort', parent);
    assert.equal((await next(body))?.toString(), 'data: one\n\n');
    parent.abort(new Error('client disconnected'));
    await assert.rejects(next(body), /client disconnected/);
    await waitUntil(() => closed.includes('/abort'), 'the upstream saw the connection close');
  });

  it("the reader's stop closes the connection", async () => {
    handlers.set('/stop', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
    });
    const { body } = await exchange('/stop');
    await next(body);
    body.destroy();
    await waitUntil(() => closed.includes('/stop'), 'the upstream saw the connection close');
  });

  it('drains what follows the last event and reuses the connection; too much or too slow closes it', async () => {
    handlers.set('/last', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: [DONE]\n\n');
      setTimeout(() => response.end(': trailing comment\n\n'), 20);
    });
    // Both keep their response open: only the gateway's side can close these connections.
    handlers.set('/chatty', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: [DONE]\n\n');
      setTimeout(() => response.write('x'.repeat(1_000)), 20);
    });
    handlers.set('/silent', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: [DONE]\n\n');
    });
    const before = upstream.connections;
    for (let round = 0; round < 2; round++) {
      const { body } = await exchange('/last');
      assert.equal((await next(body))?.toString(), 'data: [DONE]\n\n');
      body.drain(64 * 1024, 5_000);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!closed.includes('/last'));
    assert.ok(
      upstream.connections - before <= 1,
      `${upstream.connections - before} connections for two streams`,
    );

    const chatty = await exchange('/chatty');
    await next(chatty.body);
    chatty.body.drain(100, 5_000);
    await waitUntil(() => closed.includes('/chatty'), 'more than allowed after the last event');

    const silent = await exchange('/silent');
    await next(silent.body);
    silent.body.drain(64 * 1024, 100);
    await waitUntil(() => closed.includes('/silent'), 'no end within the idle timeout');
  });

  it('pauses the upstream while the reader is behind, and loses nothing', async () => {
    const total = 24 * 1024 * 1024;
    let response: ServerResponse | undefined;
    handlers.set('/flood', (_request, flood) => {
      response = flood;
      flood.writeHead(200, { 'content-type': 'application/octet-stream' });
      const piece = Buffer.alloc(64 * 1024, 120);
      for (let sent = 0; sent < total; sent += piece.length) flood.write(piece);
      flood.end();
    });
    const { body } = await exchange('/flood');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Not read for 200 ms: the server still holds most of it, unsent.
    assert.ok(
      (response?.writableLength ?? 0) > total / 2,
      `${response?.writableLength} bytes still queued at the server`,
    );
    let received = 0;
    for (let chunk = await next(body); chunk !== null; chunk = await next(body)) {
      received += chunk.length;
    }
    assert.equal(received, total);
  });
});
