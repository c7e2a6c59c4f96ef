// Reading a request's JSON body: complete as soon as Content-Length bytes have come (not a tick
// later at 'end'), at 'end' without one (chunked), refused over the limit, parsed or refused.

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { GatewayError } from '../core/index.js';
import { readJsonBody } from './read-json-body.js';

/** A request stream with these headers; the test writes its body (and ends it, or not). */
function fakeRequest(headers: Record<string, string>): PassThrough & IncomingMessage {
  const stream = new PassThrough() as PassThrough & IncomingMessage;
  Object.assign(stream, { headers, complete: false });
  return stream;
}

const settledWithin = <T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(resolve, ms, 'pending'))]);

describe('readJsonBody', () => {
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
