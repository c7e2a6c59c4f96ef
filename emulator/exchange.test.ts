// The emulator's per-request exchange: close tracking, close-aware sleeps, resets; and its shape,
// which every request shares (per-request accessors gave each request a hidden class of its own,
// whose old-generation maps kept the request's objects alive through the scavenges).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { createExchange } from './exchange.js';

function fakeResponse(): ServerResponse & { destroyed: boolean } {
  const response = new EventEmitter() as unknown as ServerResponse & { destroyed: boolean };
  const socket = { destroyed: false, destroy: () => (socket.destroyed = true) };
  Object.assign(response, { socket, destroyed: false });
  return response;
}

function exchangeOn(response: ServerResponse) {
  return createExchange({
    request: new EventEmitter() as unknown as IncomingMessage,
    response,
    method: 'POST',
    path: '/v1/chat/completions',
    requestId: 'req_1',
    baseHeaders: { 'x-emulator-name': 'test' },
  });
}

test('closed turns true when the response closes, and wakes sleeps and hangs at once', async () => {
  const response = fakeResponse();
  const exchange = exchangeOn(response);
  assert.equal(exchange.closed, false);
  assert.equal(exchange.path, '/v1/chat/completions');
  assert.equal(exchange.requestId, 'req_1');
  const started = performance.now();
  const slept = exchange.sleep(10_000);
  const hung = exchange.untilClosed();
  response.emit('close');
  await Promise.all([slept, hung]);
  assert.ok(performance.now() - started < 1_000);
  assert.equal(exchange.closed, true);
  // After close a sleep does not wait at all.
  await exchange.sleep(10_000);
});

test('sleep waits its time while the response is open; reset destroys the socket', async () => {
  const response = fakeResponse();
  const exchange = exchangeOn(response);
  const started = performance.now();
  await exchange.sleep(30);
  assert.ok(performance.now() - started >= 25);
  assert.equal(exchange.wasReset, false);
  exchange.reset();
  assert.equal(exchange.wasReset, true);
  assert.equal((response.socket as unknown as { destroyed: boolean }).destroyed, true);
});

test('body, bodyError and fault are set later on the same object', () => {
  const exchange = exchangeOn(fakeResponse());
  assert.equal(exchange.body, undefined);
  assert.equal(exchange.bodyError, false);
  assert.equal(exchange.fault, undefined);
  exchange.body = { model: 'm' };
  exchange.bodyError = true;
  exchange.fault = { status: 500 };
  assert.deepEqual(exchange.body, { model: 'm' });
  assert.equal(exchange.bodyError, true);
  assert.deepEqual(exchange.fault, { status: 500 });
});

test('every exchange shares its accessors (on one prototype), none carries its own', () => {
  const first = exchangeOn(fakeResponse());
  const second = exchangeOn(fakeResponse());
  for (const name of ['closed', 'wasReset']) {
    assert.equal(Object.getOwnPropertyDescriptor(first, name), undefined, name);
    assert.equal(Object.getOwnPropertyDescriptor(second, name), undefined, name);
  }
  assert.equal(Object.getPrototypeOf(first), Object.getPrototypeOf(second));
  for (const name of ['sleep', 'untilClosed', 'reset'])
    assert.equal(Object.hasOwn(first, name), false);
  assert.equal(
    typeof Object.getOwnPropertyDescriptor(Object.getPrototypeOf(first), 'closed')?.get,
    'function',
  );
});
