// The request's abort state (request-abort.ts) behaves as the AbortSignal it replaces, for what the
// pipeline uses: each listener told once, removed ones not, late ones not; a throwing listener does
// not silence the others; a real AbortSignal can be made from it where an API needs one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAbortScope } from './abort-scope.js';
import { RequestAbort, toAbortSignal } from './request-abort.js';

describe('RequestAbort', () => {
  it('tells each listener once, function or handleEvent object, not a removed one', () => {
    const abort = new RequestAbort();
    const heard: string[] = [];
    const removed = () => heard.push('removed');
    abort.addEventListener('abort', () => heard.push(`fn:${String(abort.reason)}`));
    abort.addEventListener('abort', { handleEvent: () => heard.push('object') }, { once: true });
    abort.addEventListener('abort', removed);
    abort.removeEventListener('abort', removed);
    assert.equal(abort.aborted, false);

    abort.abort('client left');
    abort.abort('again');
    abort.addEventListener('abort', () => heard.push('late'));
    assert.equal(abort.aborted, true);
    assert.equal(abort.reason, 'client left');
    assert.deepEqual(heard, ['fn:client left', 'object']);
  });

  it('runs the other listeners when one throws, and the error surfaces uncaught', async () => {
    const abort = new RequestAbort();
    const heard: string[] = [];
    abort.addEventListener('abort', () => {
      throw new Error('listener bug');
    });
    abort.addEventListener('abort', () => heard.push('second'));
    const uncaught = new Promise<Error>((resolve) => {
      const listeners = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.once('uncaughtException', (error) => {
        for (const listener of listeners) process.on('uncaughtException', listener);
        resolve(error);
      });
    });
    abort.abort(new Error('gone'));
    assert.deepEqual(heard, ['second']);
    assert.equal((await uncaught).message, 'listener bug');
  });

  it('aborts an attempt scope made from it', () => {
    const abort = new RequestAbort();
    const scope = createAbortScope(abort);
    let told = 0;
    scope.signal.once('abort', () => (told += 1));
    abort.abort(new Error('client disconnected'));
    assert.equal(scope.signal.aborted, true);
    assert.equal((scope.signal.reason as Error).message, 'client disconnected');
    assert.equal(told, 1);
  });
});

describe('toAbortSignal', () => {
  it('gives a real AbortSignal that follows the request, with its reason', () => {
    const abort = new RequestAbort();
    const signal = toAbortSignal(abort);
    assert.ok(signal instanceof AbortSignal);
    const combined = AbortSignal.any([signal, AbortSignal.timeout(60_000)]);
    assert.equal(combined.aborted, false);
    const reason = new Error('client disconnected');
    abort.abort(reason);
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, reason);
    assert.equal(combined.reason, reason);
  });

  it('is already aborted for an aborted request, and is the signal itself for a real one', () => {
    const abort = new RequestAbort();
    abort.abort('gone');
    assert.equal(toAbortSignal(abort).reason, 'gone');
    const real = new AbortController().signal;
    assert.equal(toAbortSignal(real), real);
  });
});
