// A JSON exchange read whole by undici's dispatch handler (requestUpstreamJson), against a real
// HTTP server: the answer parsed and its bytes kept (byte-order mark dropped), an error status
// with its body (capped), a body that is not JSON, an abort that closes the upstream connection.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { UpstreamError } from '../../core/index.js';
import { createAbortScope } from '../../lib/abort-scope.js';
import { RequestAbort } from '../../lib/request-abort.js';
import { requestUpstreamJson, type UpstreamErrorFactories } from './send-upstream-request.js';

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

describe('requestUpstreamJson', () => {
  let server: Server;
  let pool: Pool;
  const closed: string[] = [];
  const handlers = new Map<string, (request: IncomingMessage, response: ServerResponse) => void>();

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => handlers.get(request.url ?? '')?.(request, response));
      response.on('close', () => {
        if (!response.writableFinished) closed.push(request.url ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    pool = new Pool(`http://127.0.0.1:${port}`);
  });

  after(async () => {
    await pool.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function exchange(path: string, parent = new RequestAbort()) {
    const scope = createAbortScope(parent);
    return {
      scope,
      answer: requestUpstreamJson<Record<string, unknown>>({
        dispatcher: pool,
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
