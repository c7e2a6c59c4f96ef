import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { createLogger } from '../telemetry/create-logger.js';
import { createAlertDispatcher } from './alert-dispatcher.js';

it('retries a failing webhook with backoff, bounded, and logs every alert', async () => {
  const statuses = [503, 500, 204];
  const received: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(body);
      response.writeHead(statuses.shift() ?? 503).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const logs: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString());
        callback();
      },
    }),
  });
  const delays: number[] = [];
  const dispatcher = createAlertDispatcher({
    webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    timeoutMs: 1_000,
    maxAttempts: 3,
    logger,
    backoffMs: (attempt) => {
      delays.push(attempt);
      return 5;
    },
  });
  const alert = {
    cap: 'user:alice',
    perMille: 800,
    spentUsd: 4,
    limitUsd: 5,
    resetAt: '2026-11-28T00:00:00.000Z',
  };
  dispatcher.alert(alert);
  await dispatcher.close(5_000);
  assert.equal(received.length, 3, 'two failures, then delivered');
  assert.deepEqual(delays, [1, 2]);
  const payload = JSON.parse(received[2] ?? '{}') as Record<string, unknown>;
  assert.equal(payload.type, 'switchyard.spend_alert');
  assert.equal(payload.thresholdPercent, 80);
  assert.ok(logs.some((line) => line.includes('user:alice reached 80% of its daily cap')));

  // A webhook that never succeeds is given up after maxAttempts.
  statuses.push(500, 500, 500, 500);
  const before = received.length;
  const second = createAlertDispatcher({
    webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    timeoutMs: 1_000,
    maxAttempts: 3,
    logger,
    backoffMs: () => 5,
  });
  second.alert(alert);
  await second.close(5_000);
  assert.equal(received.length - before, 3);
  assert.ok(logs.some((line) => line.includes('alert webhook kept failing')));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
