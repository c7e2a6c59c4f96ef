// For each upstream fault the emulator can inject, the request is served by the next deployment
// (before the first byte) or the right error reaches the client (after it, or when the fault is the
// client's), and every attempt is recorded on the request context.

import assert from 'node:assert/strict';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator, type FaultPlan } from '../emulator/index.js';
import type { AttemptRecord } from '../src/pipeline/request-context.js';
import { subscribeRequestFinished, type RequestFinishedEvent } from '../src/telemetry/events.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

const messages = [{ role: 'user' as const, content: 'one two three four five six' }];

describe('fallback on upstream faults', () => {
  let primary: Emulator;
  let backup: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;
  const finished: RequestFinishedEvent[] = [];
  let unsubscribe: () => void;
  let silent: NetServer;
  const silentSockets = new Set<Socket>();

  before(async () => {
    primary = await startEmulator({ kind: 'openai', name: 'primary' });
    backup = await startEmulator({ kind: 'openai', name: 'backup' });
    // A port that refuses connections: bind an emulator, note its port, close it.
    const gone = await startEmulator({ kind: 'openai', name: 'gone' });
    await gone.close();
    // A server that accepts TCP connections and never answers: over https the TLS handshake never
    // completes, so the connect timeout (which covers TLS) fires: loopback-only, deterministic.
    silent = createNetServer((socket) => silentSockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    const timeouts = { firstByteMs: 400, idleMs: 400, totalMs: 1500 };
    gateway = await startGateway({
      providers: {
        primary: { type: 'openai', baseUrl: `${primary.url}/v1`, apiKey: 'k' },
        backup: { type: 'openai', baseUrl: `${backup.url}/v1`, apiKey: 'k' },
        gone: { type: 'openai-compatible', baseUrl: `${gone.url}/v1` },
        silent: {
          type: 'openai-compatible',
          baseUrl: `https://127.0.0.1:${silentPort}/v1`,
          timeouts: { connectMs: 200 },
        },
      },
      models: {
        chain: [
          { provider: 'primary', model: 'm', timeouts },
          // The healthy fallback keeps the default timeouts: a loaded machine must not fail it.
          { provider: 'backup', model: 'm' },
        ],
        'refused-first': [
          { provider: 'gone', model: 'm', retries: 0 },
          { provider: 'backup', model: 'm' },
        ],
        'silent-first': [
          { provider: 'silent', model: 'm', retries: 0 },
          { provider: 'backup', model: 'm' },
        ],
      },
      // Breakers have their own test; here every fault must reach the chain.
      resilience: { breaker: { enabled: false }, retries: { maxRetries: 0 } },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    unsubscribe = subscribeRequestFinished((event) => finished.push(event));
  });

  afterEach(() => {
    primary.clearFaults();
    backup.clearFaults();
  });

  after(async () => {
    unsubscribe();
    await gateway.close();
    await primary.close();
    await backup.close();
    for (const socket of silentSockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  /** The attempts of the request whose response carried this request id. */
  async function attemptsOf(requestId: string | null): Promise<AttemptRecord[]> {
    assert.ok(requestId, 'the response names its request id');
    await waitFor(
      () => finished.some((event) => event.context.requestId === requestId),
      3000,
      'request finished event',
    );
    return finished.find((event) => event.context.requestId === requestId)?.context.attempts ?? [];
  }

  function kinds(attempts: AttemptRecord[]): string[] {
    return attempts.map(
      (attempt) =>
        `${attempt.provider}:${attempt.outcome === 'success' ? 'ok' : attempt.errorKind}`,
    );
  }

  async function completeVia(model: string, stream: boolean) {
    if (stream) {
      const { data, response } = await client.chat.completions
        .create({ model, messages, stream: true })
        .withResponse();
      let text = '';
      let finishReason: string | null = null;
      for await (const chunk of data) {
        text += chunk.choices[0]?.delta.content ?? '';
        finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      }
      return { text, finishReason, headers: response.headers };
    }
    const { data, response } = await client.chat.completions
      .create({ model, messages })
      .withResponse();
    return {
      text: data.choices[0]?.message.content ?? '',
      finishReason: data.choices[0]?.finish_reason ?? null,
      headers: response.headers,
    };
  }

  const fallbackCases: Array<{ name: string; fault: FaultPlan; kind: string; stream: boolean[] }> =
    [
      { name: '500', fault: { status: 500 }, kind: 'server', stream: [false, true] },
      { name: '529 overloaded', fault: { status: 529 }, kind: 'overloaded', stream: [false, true] },
      { name: '503 overloaded', fault: { status: 503 }, kind: 'overloaded', stream: [false] },
      {
        name: '429 with retry-after',
        fault: { status: 429, retryAfter: '1' },
        kind: 'rate_limited',
        stream: [false, true],
      },
      {
        name: 'a 429 for an exhausted quota (no retry will help)',
        fault: { status: 429, errorType: 'insufficient_quota' },
        kind: 'quota_exceeded',
        stream: [false],
      },
      {
        name: 'a reset before the headers',
        fault: { reset: 'before-headers' },
        kind: 'reset',
        stream: [false, true],
      },
      {
        name: 'a hang before the headers (stream: TTFT timeout)',
        fault: { hang: 'before-headers' },
        kind: 'ttft_timeout',
        stream: [true],
      },
      {
        name: 'a hang before the headers (non-stream: total timeout)',
        fault: { hang: 'before-headers' },
        kind: 'timeout',
        stream: [false],
      },
      {
        name: 'a hang after the headers, before the first event (TTFT timeout)',
        fault: { hang: 'after-headers' },
        kind: 'ttft_timeout',
        stream: [true],
      },
    ];

  for (const testCase of fallbackCases) {
    for (const stream of testCase.stream) {
      it(`serves from the next deployment on ${testCase.name} (${stream ? 'stream' : 'non-stream'})`, async () => {
        primary.setFaults(testCase.fault);
        const result = await completeVia('chain', stream);
        assert.ok(result.text.length > 0);
        assert.equal(result.finishReason, 'stop');
        assert.equal(result.headers.get('x-switchyard-provider'), 'backup');
        assert.equal(result.headers.get('x-switchyard-attempts'), '2');
        const attempts = await attemptsOf(result.headers.get('x-switchyard-request-id'));
        assert.deepEqual(kinds(attempts), [`primary:${testCase.kind}`, 'backup:ok']);
      });
    }
  }

  it('records the upstream status of an HTTP failure on its attempt', async () => {
    primary.setFaults({ status: 529 });
    const result = await completeVia('chain', false);
    const attempts = await attemptsOf(result.headers.get('x-switchyard-request-id'));
    assert.equal(attempts[0]?.status, 529);
    assert.ok((attempts[0]?.durationMs ?? -1) >= 0);
  });

  it('serves from the next deployment when the first refuses the connection', async () => {
    const result = await completeVia('refused-first', true);
    assert.equal(result.headers.get('x-switchyard-provider'), 'backup');
    const attempts = await attemptsOf(result.headers.get('x-switchyard-request-id'));
    assert.deepEqual(kinds(attempts), ['gone:connect', 'backup:ok']);
  });

  it('serves from the next deployment when the first does not complete a connection in time', async () => {
    const result = await completeVia('silent-first', false);
    assert.equal(result.headers.get('x-switchyard-provider'), 'backup');
    const attempts = await attemptsOf(result.headers.get('x-switchyard-request-id'));
    assert.deepEqual(kinds(attempts), ['silent:connect_timeout', 'backup:ok']);
  });

  it('passes a content-policy refusal on as it is, without falling back', async () => {
    primary.setFaults({ status: 400, errorType: 'content_policy_violation' });
    const backupBefore = backup.requests.length;
    const error = await client.chat.completions.create({ model: 'chain', messages }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(backup.requests.length, backupBefore);
    const attempts = await attemptsOf(error.headers?.get('x-switchyard-request-id') ?? null);
    assert.deepEqual(kinds(attempts), ['primary:content_policy']);
  });

  const afterFirstByteCases: Array<{ name: string; fault: FaultPlan; kind: string }> = [
    {
      name: 'a hang mid-stream (idle timeout)',
      fault: { hang: 'mid-stream' },
      kind: 'idle_timeout',
    },
    { name: 'a reset mid-stream', fault: { reset: 'mid-stream' }, kind: 'reset' },
    { name: 'a truncated stream', fault: { truncate: true }, kind: 'truncated_stream' },
    { name: 'a malformed chunk', fault: { malformed: true }, kind: 'malformed' },
    { name: 'an in-band error event', fault: { midStreamError: true }, kind: 'server' },
  ];

  for (const testCase of afterFirstByteCases) {
    it(`after the first byte, ${testCase.name} reaches the client as an error, never a clean end`, async () => {
      // A chunk delay, so the events before the fault are on the wire before it strikes (a reset
      // right after unflushed writes would drop them, and the gateway would rightly fall back).
      primary.setFaults({ ...testCase.fault, chunkDelayMs: 30 });
      const backupBefore = backup.requests.length;
      const { data, response } = await client.chat.completions
        .create({ model: 'chain', messages, stream: true })
        .withResponse();
      let text = '';
      await assert.rejects(async () => {
        for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      }, OpenAI.APIError);
      assert.ok(text.length > 0, 'content before the fault reached the client');
      assert.equal(backup.requests.length, backupBefore, 'no fallback after the first byte');
      const attempts = await attemptsOf(response.headers.get('x-switchyard-request-id'));
      assert.deepEqual(kinds(attempts), [`primary:${testCase.kind}`]);
      const context = finished.find(
        (event) => event.context.requestId === response.headers.get('x-switchyard-request-id'),
      )?.context;
      assert.ok((context?.partialOutput?.textChars ?? 0) > 0, 'partial output kept on the context');
    });
  }

  it('passes a client error on as it is, without falling back', async () => {
    primary.setFaults({ status: 400, errorType: 'invalid_request_error' });
    const backupBefore = backup.requests.length;
    const error = await client.chat.completions.create({ model: 'chain', messages }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.status, 400);
    assert.equal(backup.requests.length, backupBefore);
  });

  it('passes a 422 on with its own status', async () => {
    primary.setFaults({ status: 422 });
    const error = await client.chat.completions.create({ model: 'chain', messages }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof OpenAI.UnprocessableEntityError);
  });

  it('answers 503 naming every attempt, with x-should-retry: false, when all deployments fail', async () => {
    primary.setFaults({ status: 500 });
    backup.setFaults({ status: 529 });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chain', messages }),
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('x-should-retry'), 'false');
    const body = (await response.json()) as {
      error: { code: string; message: string; type: string };
    };
    assert.equal(body.error.code, 'upstream_unavailable');
    assert.equal(body.error.type, 'server_error');
    assert.match(body.error.message, /All 2 attempt\(s\) for 'chain' failed/);
    assert.match(body.error.message, /primary\/m \(server, 500, \d+ ms\)/);
    assert.match(body.error.message, /backup\/m \(overloaded, 529, \d+ ms\)/);
    // The SDK obeys x-should-retry even with retries on: one request, not three.
    const retrying = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 2 });
    const before = primary.requests.length;
    await assert.rejects(
      retrying.chat.completions.create({ model: 'chain', messages }),
      (error: unknown) => error instanceof OpenAI.InternalServerError && error.status === 503,
    );
    assert.equal(primary.requests.length, before + 1);
  });

  it('stops the chain at the request deadline', async () => {
    // Re-start with a short deadline: the first deployment's 5 s TTFT is cut to what is left.
    const short = await startGateway({
      providers: {
        primary: { type: 'openai', baseUrl: `${primary.url}/v1` },
        backup: { type: 'openai', baseUrl: `${backup.url}/v1` },
      },
      models: {
        slow: [
          { provider: 'primary', model: 'd', timeouts: { firstByteMs: 5000, totalMs: 5000 } },
          { provider: 'backup', model: 'd' },
        ],
      },
      resilience: { requestTimeoutMs: 1000, breaker: { enabled: false } },
    });
    try {
      primary.setFaults({ hang: 'before-headers' });
      const backupBefore = backup.requests.length;
      const response = await fetch(`${short.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'slow', messages, stream: true }),
      });
      const text = await response.text();
      assert.equal(response.status, 503, text);
      const body = JSON.parse(text) as { error: { message: string } };
      // Both the total and the first-event timer are cut to the deadline; either may fire first.
      assert.match(body.error.message, /primary\/d \((ttft_)?timeout, \d+ ms\)/);
      assert.match(body.error.message, /deadline/);
      assert.equal(backup.requests.length, backupBefore, 'no time was left for the backup');
    } finally {
      await short.close();
    }
  });

  it('a client that leaves stops the chain: the next deployment is never called', async () => {
    primary.setFaults({ hang: 'before-headers' });
    const backupBefore = backup.requests.length;
    const finishedBefore = finished.length;
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: 'chain', messages, stream: true },
      { signal: controller.signal },
    );
    await waitFor(() => primary.stats().inFlight === 1, 3000, 'primary got the request');
    controller.abort();
    await assert.rejects(pending);
    await waitFor(() => finished.length > finishedBefore, 3000, 'request finished');
    await waitFor(() => primary.stats().inFlight === 0, 3000, 'primary saw the close');
    const event = finished.at(-1);
    assert.equal(event?.aborted, true);
    assert.deepEqual(kinds(event?.context.attempts ?? []), ['primary:client_aborted']);
    assert.equal(backup.requests.length, backupBefore);
  });
});
