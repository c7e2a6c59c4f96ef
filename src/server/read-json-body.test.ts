// Reading a request's JSON body: taken from the request's buffer when it came with the headers
// (real HTTP server), else complete as soon as Content-Length bytes have come (not a tick later at
// 'end'), at 'end' without one (chunked), refused over the limit, parsed or refused.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { GatewayError } from '../core/index.js';
import {
  bodyNotBuffered,
  readArrivingJsonBody,
  readJsonBody,
  takeJsonBody,
} from './read-json-body.js';

/** A request stream with these headers; the test writes its body (and ends it, or not). */
function fakeRequest(headers: Record<string, string>): PassThrough & IncomingMessage {
  const stream = new PassThrough() as PassThrough & IncomingMessage;
  Object.assign(stream, { headers, complete: false });
  return stream;
}

const settledWithin = <T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(resolve, ms, 'pending'))]);

/**
 * Sends a raw HTTP request to a server whose handler reads the body with readJsonBody: the parsed
 * body, whether the read listened for 'data' events, and whether the request then ended.
 */
async function overHttp(
  write: (socket: ReturnType<typeof connect>, body: string) => void,
  read: (request: IncomingMessage) => Promise<unknown> = (request) => readJsonBody(request, 1024),
): Promise<{ body: unknown; listenedForData: boolean; ended: boolean }> {
  let seen: { body: unknown; listenedForData: boolean } | undefined;
  let ended = false;
  const server = createServer((request, response) => {
    let listenedForData = false;
    const on = request.on.bind(request) as (event: string, listener: () => void) => unknown;
    Object.assign(request, {
      on: (event: string, listener: () => void) => {
        if (event === 'data') listenedForData = true;
        return on(event, listener);
      },
    });
    request.once('end', () => (ended = true));
    read(request).then(
      (body) => {
        seen = { body, listenedForData };
        setTimeout(() => response.end('ok'), 10);
      },
      (error: unknown) => {
        seen = { body: error, listenedForData };
        response.end('failed');
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const answered = new Promise((resolve) => socket.once('data', resolve));
    write(socket, '{"model":"m","messages":[{"role":"user","content":"héllo"}]}');
    await answered;
    socket.destroy();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.ok(seen);
  return { ...seen, ended };
}

const head = (body: string) =>
  `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
  `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;

describe('readJsonBody', () => {
  it('takes a body that came with its headers from the buffer, without data events', async () => {
    const seen = await overHttp((socket, text) => socket.write(head(text) + text));
    assert.deepEqual(seen.body, { model: 'm', messages: [{ role: 'user', content: 'héllo' }] });
    assert.equal(seen.listenedForData, false);
    assert.equal(seen.ended, true, 'the request still ends');
  });

  it("has the whole body one microtask after the request event (the server's handler), not a later one", async () => {
    const taken: unknown[] = [];
    // As the gateway's handler reads: one microtask, the buffer, else the reader.
    const asTheServerDoes = async (request: IncomingMessage) => {
      await Promise.resolve();
      const body = takeJsonBody(request, 1024);
      taken.push(body);
      return body === bodyNotBuffered ? readArrivingJsonBody(request, 1024) : body;
    };
    const expected = { model: 'm', messages: [{ role: 'user', content: 'héllo' }] };
    const withHeaders = await overHttp(
      (socket, text) => socket.write(head(text) + text),
      asTheServerDoes,
    );
    assert.deepEqual(taken[0], expected);
    assert.deepEqual(withHeaders.body, expected);
    assert.equal(withHeaders.listenedForData, false);
    assert.equal(withHeaders.ended, true, 'the request still ends');
    const later = await overHttp((socket, text) => {
      socket.write(head(text));
      setTimeout(() => socket.write(text), 30);
    }, asTheServerDoes);
    assert.equal(taken[1], bodyNotBuffered);
    assert.deepEqual(later.body, expected);
    assert.equal(later.ended, true);
  });

  it('reads a body that comes after its headers as it arrives', async () => {
    const seen = await overHttp((socket, text) => {
      socket.write(head(text) + text.slice(0, 7));
      setTimeout(() => socket.write(text.slice(7)), 30);
    });
    assert.deepEqual(seen.body, { model: 'm', messages: [{ role: 'user', content: 'héllo' }] });
    assert.equal(seen.listenedForData, true);
    assert.equal(seen.ended, true);
  });

  it('answers once Content-Length bytes have come, in two chunks, without waiting for end', async () => {
    const body = '{"model":"m","messages":[{"role":"user","content":"héllo"}]}';
    const bytes = Buffer.from(body);
    const request = fakeRequest({ 'content-length': String(bytes.length) });
    const read = readJsonBody(request, 1024);
    request.write(bytes.subarray(0, 10));
    assert.equal(await settledWithin(read, 20), 'pending', 'not before the last byte');
    request.write(bytes.subarray(10));
    // The stream is never ended: the declared length alone completes the body.
    assert.deepEqual(await settledWithin(read, 1000), JSON.parse(body));
  });

  it('without Content-Length (chunked), answers at the end of the body', async () => {
    const request = fakeRequest({ 'transfer-encoding': 'chunked' });
    const read = readJsonBody(request, 1024);
    request.write('{"a":');
    request.write('1}');
    assert.equal(await settledWithin(read, 20), 'pending');
    request.end();
    assert.deepEqual(await read, { a: 1 });
  });

  it('refuses a body over the limit, declared or not', async () => {
    await assert.rejects(
      readJsonBody(fakeRequest({ 'content-length': '2048' }), 1024),
      (error: unknown) => error instanceof GatewayError && error.code === 'body_too_large',
    );
    const request = fakeRequest({ 'transfer-encoding': 'chunked' });
    const read = readJsonBody(request, 8);
    request.write('{"text":"longer than eight bytes"}');
    await assert.rejects(
      read,
      (error: unknown) => error instanceof GatewayError && error.code === 'body_too_large',
    );
  });

  it('names the problem of a body that is empty or not JSON', async () => {
    for (const [text, pattern] of [
      ['  \n', /empty/],
      ['{"model": ', /could not parse/],
    ] as const) {
      const request = fakeRequest({ 'content-length': String(Buffer.byteLength(text)) });
      const read = readJsonBody(request, 1024);
      request.end(text);
      await assert.rejects(
        read,
        (error: unknown) =>
          error instanceof GatewayError &&
          error.code === 'invalid_json' &&
          pattern.test(error.message),
      );
    }
  });
});
