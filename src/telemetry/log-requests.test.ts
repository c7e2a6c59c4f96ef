// The request log line: written straight to the stream, it is byte for byte the line pino writes
// for the same fields (same keys, order, escaping, omissions), and pino writes it itself when the
// logger has anything that could change a line. The lines of one event-loop turn are one write (to a
// buffering destination, pieces of its minimum write, in the order every line was logged), and a
// process that exits (or crashes) in that turn still writes them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { traceRecord } from '../../test/helpers/trace-record.js';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { TraceRecord } from './build-trace-record.js';
import { createLogger, createIsoTime } from './create-logger.js';
import type { RequestFinishedEvent } from './events.js';
import { createRequestLogger, directRequestWriter } from './log-requests.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, destination };
}

function record(overrides: Partial<TraceRecord> = {}): TraceRecord {
  return traceRecord({
    time: '2026-11-27T08:00:00.000Z',
    requestId: '0c6f1b2e-1a2b-4c3d-9e8f-000000000001',
    keyId: 'key_abc',
    user: 'alice',
    deployment: 'fast[0]',
    routeReason: 'alias',
    attempts: [
      {
        deployment: 'fast[0]',
        provider: 'openai',
        outcome: 'success',
        status: 200,
        latencyMs: 1.2,
      },
    ],
    cacheStatus: 'miss',
    inputTokens: 120,
    cachedInputTokens: 20,
    outputTokens: 30,
    usageEstimated: false,
    totalMs: 12.3456,
    upstreamMs: 10.5,
    overheadMs: 1.8456,
    costUsd: 0.000105,
    ...overrides,
  });
}

const withUsage = { context: { usage: {} } } as unknown as RequestFinishedEvent;
const withoutUsage = { context: {} } as unknown as RequestFinishedEvent;

const cases: Array<[string, TraceRecord, RequestFinishedEvent]> = [
  ['non-stream answer', record(), withUsage],
  ['stream', record({ streamed: true, ttftMs: 0.87654, cacheStatus: null }), withUsage],
  [
    'upstream error, no usage',
    record({
      status: 502,
      errorCode: 'upstream_error',
      errorClass: 'server',
      costUsd: 0,
      keyId: null,
      user: null,
      feature: null,
      routedModel: null,
      provider: null,
      deployment: null,
    }),
    withoutUsage,
  ],
  [
    'unknown model typed by the client',
    record({
      requestedModel: 'evil"model\\with\nnewline\u2028 and ünïcode 😀',
      routedModel: null,
      provider: null,
      deployment: null,
      routeReason: null,
      status: 404,
      errorCode: 'model_not_found',
    }),
    withoutUsage,
  ],
  [
    'client strings that need escaping',
    record({ user: 'a"b\\c', feature: 'tab\there\u0001', keyId: 'k'.repeat(300) }),
    withUsage,
  ],
  ['unknown price', record({ costUsd: null }), withUsage],
  [
    'non-finite numbers',
    record({ totalMs: Number.NaN, costUsd: Number.POSITIVE_INFINITY }),
    withUsage,
  ],
  ['aborted', record({ aborted: true, streamed: true, ttftMs: 3 }), withUsage],
];

/** Two loggers that differ only in the path the request line takes. */
function loggers(extra: LoggerOptions = {}) {
  const fixedTime = () => ',"time":"2026-11-27T08:00:00.000Z"';
  const options: LoggerOptions = {
    level: 'info',
    base: { service: 'switchyard' },
    redact: { paths: ['key', '*.apiKey'], censor: '[redacted]' },
    timestamp: fixedTime,
    ...extra,
  };
  const direct = capture();
  const viaPino = capture();
  return {
    direct,
    viaPino,
    directLogger: pino(options, direct.destination),
    // A mixin (adding nothing) is one of the settings that send the line through pino.
    pinoLogger: pino({ ...options, mixin: () => ({}) }, viaPino.destination),
  };
}

describe('request log line', () => {
  it('is written directly for the gateway logger, through pino for a logger with a mixin', () => {
    // createRequestLogger writes through a child without redaction paths (none can match).
    const plain = (logger: Logger) => logger.child({}, { redact: [] });
    const { destination } = capture();
    const gateway = createLogger({ level: 'info', destination });
    assert.notEqual(directRequestWriter(plain(gateway)), undefined);
    // The gateway logger's own wildcard redaction would apply to the fields: not direct.
    assert.equal(directRequestWriter(gateway), undefined);
    const { directLogger, pinoLogger } = loggers();
    assert.notEqual(directRequestWriter(plain(directLogger)), undefined);
    assert.equal(directRequestWriter(plain(pinoLogger)), undefined);
    for (const extra of [
      { messageKey: 'message' },
      { nestedKey: 'payload' },
      { formatters: { log: (object: Record<string, unknown>) => object } },
      { hooks: { streamWrite: (line: string) => line } },
      { serializers: { user: () => 'x' } },
      { msgPrefix: '[gw] ' },
    ] satisfies LoggerOptions[]) {
      const { destination: other } = capture();
      assert.equal(
        directRequestWriter(plain(pino(extra, other))),
        undefined,
        JSON.stringify(extra),
      );
    }
  });

  it('is byte for byte the line pino writes, for every kind of request', async () => {
    const { direct, viaPino, directLogger, pinoLogger } = loggers();
    const logDirect = createRequestLogger(directLogger);
    const logViaPino = createRequestLogger(pinoLogger);
    // Twice: the second round reads the cached route fields.
    for (let round = 0; round < 2; round++) {
      for (const [, trace, event] of cases) {
        logDirect(trace, event);
        logViaPino(trace, event);
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(direct.lines.length, cases.length * 2);
    assert.deepEqual(direct.lines, viaPino.lines);
    for (const line of direct.lines) JSON.parse(line);
  });

  it('keeps the documented fields and omits the unknown ones', async () => {
    const { direct, directLogger } = loggers();
    const log = createRequestLogger(directLogger);
    log(record(), withUsage);
    log(cases[2]![1], withoutUsage);
    await new Promise((resolve) => setImmediate(resolve));
    const [answer, failure] = direct.lines.map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    );
    assert.deepEqual(Object.keys(answer!), [
      'level',
      'time',
      'service',
      'requestId',
      'surface',
      'operation',
      'model',
      'routedModel',
      'provider',
      'deployment',
      'route',
      'status',
      'aborted',
      'streamed',
      'attempts',
      'cache',
      'durationMs',
      'overheadMs',
      'inputTokens',
      'cachedTokens',
      'outputTokens',
      'costUsd',
      'keyId',
      'user',
      'feature',
      'msg',
    ]);
    assert.equal(answer!.durationMs, 12.3);
    assert.equal(answer!.overheadMs, 1.85);
    assert.equal(answer!.msg, 'request');
    assert.equal(failure!.routedModel, null);
    assert.equal(failure!.error, 'upstream_error');
    assert.equal(failure!.errorClass, 'server');
    assert.equal('inputTokens' in failure!, false);
    assert.equal('keyId' in failure!, false);
  });

  it('carries the bindings of a child logger, and follows its level', async () => {
    const { direct, directLogger } = loggers();
    const replica = directLogger.child({ replica: 'a"1' });
    const log = createRequestLogger(replica);
    log(record(), withUsage);
    replica.level = 'warn';
    log(record(), withUsage);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(direct.lines.length, 1);
    assert.equal((JSON.parse(direct.lines[0]!) as { replica: string }).replica, 'a"1');
  });
});

describe('request log writes', () => {
  it('hands the lines of one event-loop turn to the stream as one write, in order', async () => {
    const writes: string[] = [];
    const directLogger = pino(
      { base: { service: 'switchyard' }, timestamp: () => ',"time":"t"' },
      { write: (text: string) => writes.push(text) },
    );
    const log = createRequestLogger(directLogger);
    for (const id of ['a', 'b', 'c']) log(record({ requestId: id }), withUsage);
    assert.equal(writes.length, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.length, 1);
    const ids = writes[0]!
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { requestId: string }).requestId);
    assert.deepEqual(ids, ['a', 'b', 'c']);
    log(record({ requestId: 'd' }), withUsage);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.length, 2);
  });

  it("hands lines to pino's buffering destination in pieces of its minimum write, in logged order", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'request-log-'));
    const file = join(directory, 'log.ndjson');
    try {
      const destination = pino.destination({ dest: file, sync: false, minLength: 4096 });
      await new Promise((resolve) => destination.once('ready', resolve));
      // Counts what reaches the destination's own write (the holder wraps this one).
      let writes = 0;
      const write = destination.write.bind(destination);
      destination.write = (text: string) => {
        writes += 1;
        return write(text);
      };
      const logger = pino({ base: { service: 'switchyard' } }, destination);
      const log = createRequestLogger(logger);
      const ids: string[] = [];
      for (let index = 0; index < 60; index += 1) {
        ids.push(`r${index}`);
        log(record({ requestId: `r${index}` }), withUsage);
        if (index === 29) {
          // Another line in the middle: it must come after the 30 request lines before it.
          logger.warn('between');
          ids.push('between');
        }
      }
      const requestWritesBefore = writes;
      destination.flushSync();
      const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
      const logged = lines.map((line) => {
        const parsed = JSON.parse(line) as { requestId?: string; msg: string };
        return parsed.requestId ?? parsed.msg;
      });
      assert.deepEqual(logged, ids);
      // 60 lines of ~500 bytes in pieces of ≥ 4 KB (+1 for the warn line, +1 for the lines before it).
      assert.ok(requestWritesBefore <= 10, `${requestWritesBefore} writes for 60 lines`);
      // A line alone is handed over and written within the hold (100 ms), with nothing else logged.
      log(record({ requestId: 'alone' }), withUsage);
      let alone = false;
      for (let wait = 0; wait < 250 && !alone; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        alone = (await readFile(file, 'utf8')).includes('"requestId":"alone"');
      }
      assert.ok(alone, 'the held line reached the file on its own');
      destination.end();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  for (const how of ['exit', 'throw'] as const) {
    it(`loses no line when the process ends in the same turn (${how})`, async () => {
      const directory = await mkdtemp(join(tmpdir(), 'request-log-'));
      const script = join(directory, 'log-and-exit.mts');
      const here = dirname(fileURLToPath(import.meta.url));
      await writeFile(
        script,
        `const { createLogger } = await import(${JSON.stringify(pathToFileURL(join(here, 'create-logger.ts')).href)});
const { createRequestLogger } = await import(${JSON.stringify(pathToFileURL(join(here, 'log-requests.ts')).href)});
const log = createRequestLogger(createLogger({ level: 'info' }));
const record = ${JSON.stringify(record())};
for (let i = 0; i < 3; i++) log({ ...record, requestId: 'r' + i }, { context: { usage: {} } });
${how === 'throw' ? "throw new Error('crash');" : 'process.exit(0);'}
`,
      );
      try {
        const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
          encoding: 'utf8',
        });
        const ids = result.stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => (JSON.parse(line) as { requestId: string }).requestId);
        assert.deepEqual(ids, ['r0', 'r1', 'r2'], result.stderr);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });
  }
});

describe('createIsoTime', () => {
  it("formats like pino's isoTime", () => {
    const isoTime = createIsoTime();
    for (let index = 0; index < 3; index++) {
      const before = pino.stdTimeFunctions.isoTime();
      const ours = isoTime();
      const after = pino.stdTimeFunctions.isoTime();
      assert.ok(ours === before || ours === after, `${ours} vs ${before}`);
      assert.match(ours, /^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
    }
  });
});
