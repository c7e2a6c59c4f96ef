// The writer's spool: rows written while the database is away survive a restart and are replayed;
// a half-written spool file (crash mid-write) is discarded; the memory bound spills to disk; a full
// spool drops and counts.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTraceTarget, type TraceTarget } from '../../test/helpers/trace-database.js';
import { traceRecord } from '../../test/helpers/trace-record.js';
import type { TraceRecord } from '../telemetry/build-trace-record.js';
import {
  columnParts,
  copyTextParts,
  createTraceWriter,
  recordParts,
  type TraceRowCodec,
  unpackFragments,
} from './create-trace-writer.js';
import type { Database } from './database.js';
import {
  columnFragments,
  copyRows,
  parseColumnFragments,
  parseCopyRows,
  rowsPerTurn,
} from './insert-traces.js';
import { createTraceSpool } from './trace-spool.js';

/** A row written now (the writer's tests count rows; the values do not matter). */
const record = (): TraceRecord => traceRecord({ time: new Date().toISOString() });

const down = () => Promise.reject(new Error('database down'));

/** Rows in a PostgreSQL batch statement: elements of its first parameter, the `time` column's
 * array literal (`{"2026-…Z","2026-…Z"}`; timestamps hold no commas). */
const rowCount = (params: unknown[]) => {
  const literal = params[0] as string;
  return literal === '{}' ? 0 : literal.split(',').length;
};

/**
 * A PostgreSQL-kind database whose batch statement takes `ms`, records each batch's row count and
 * calls `during` while it runs.
 */
function slowDatabase(ms: number, batches: number[], during: () => void = () => undefined) {
  const database: Database = {
    kind: 'postgres',
    async query<Row>(_sql: string, params: unknown[] = []) {
      batches.push(rowCount(params));
      during();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { rows: [] as Row[] };
    },
    exec: async () => undefined,
    withConnection: (work) => work(database),
    close: async () => undefined,
  };
  return database;
}

/** A writer over `database` with its own spool folder (under `dir`) and a generous memory bound. */
function writerOver(
  database: Database,
  spoolDir: string,
  batchSize: number,
  flushIntervalMs: number,
) {
  return createTraceWriter({
    connect: () => Promise.resolve(database),
    spool: createTraceSpool({ dir: spoolDir, maxBytes: 1_000_000 }),
    batchSize,
    flushIntervalMs,
    queueLimit: 10_000,
  });
}

describe('trace writer and spool', () => {
  let target: TraceTarget;
  let dir: string;

  before(async () => {
    target = await createTraceTarget('postgres');
    dir = await mkdtemp(join(tmpdir(), 'switchyard-spool-'));
  });

  after(async () => {
    await target?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('spools while the database is down and replays after a restart', async () => {
    const spoolDir = join(dir, 'restart');
    const first = createTraceWriter({
      connect: down,
      spool: createTraceSpool({ dir: spoolDir, maxBytes: 1_000_000 }),
      batchSize: 3,
      flushIntervalMs: 20,
      queueLimit: 1000,
    });
    const records = Array.from({ length: 7 }, record);
    for (const item of records) first.enqueue(item);
    await first.close();
    assert.equal(first.stats().spooledRows, 7);
    assert.equal(first.stats().dropped, 0);
    // A crash mid-write leaves a temp file that was never acknowledged: it must be ignored.
    await writeFile(join(spoolDir, 'traces-1-999-2.jsonl.tmp'), '{"half":');

    const second = createTraceWriter({
      connect: () => target.open(),
      spool: createTraceSpool({ dir: spoolDir, maxBytes: 1_000_000 }),
      batchSize: 3,
      flushIntervalMs: 20,
      queueLimit: 1000,
    });
    second.start();
    for (let tries = 0; tries < 200 && second.stats().replayed < 7; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await second.close();
    assert.equal(second.stats().replayed, 7);
    assert.deepEqual(await readdir(spoolDir), []);
    const database = await target.open();
    try {
      const { rows } = await database.query<{ request_id: string }>(
        'SELECT request_id FROM llm_traces',
      );
      assert.deepEqual(
        new Set(rows.map((row) => row.request_id)),
        new Set(records.map((item) => item.requestId)),
      );
    } finally {
      await database.close();
    }
  });

  for (const [kind, form, rows] of [
    ['pglite', 'COPY text', copyTextParts],
    ['postgres', 'array-literal fragments', columnParts],
  ] as const) {
    it(`rows queued as ${form} (${kind}) spool as records and replay intact`, async () => {
      const spoolDir = join(dir, `parts-${kind}`);
      const first = createTraceWriter({
        connect: down,
        spool: createTraceSpool({ dir: spoolDir, maxBytes: 1_000_000 }),
        batchSize: 3,
        flushIntervalMs: 20,
        queueLimit: 5,
        rows: rows as TraceRowCodec<unknown>,
      });
      const odd = traceRecord({
        time: new Date().toISOString(),
        feature: 'tab\tnew\nline \\N',
        promptText: 'ünïcödé 🎉 "quoted"',
        attempts: [{ deployment: 'a/b', provider: 'a', outcome: 'success', latencyMs: 1.25 }],
        costUsd: null,
      });
      // 7 rows over a memory bound of 5 (parts of 3): the backlog spills at the 6th, the rest at close.
      const records = [odd, ...Array.from({ length: 6 }, record)];
      for (const item of records) first.enqueue(item);
      await first.close();
      assert.equal(first.stats().spooledRows, 7);
      assert.equal(first.stats().dropped, 0);

      const own = await createTraceTarget(kind);
      try {
        const second = createTraceWriter({
          connect: () => own.open(),
          spool: createTraceSpool({ dir: spoolDir, maxBytes: 1_000_000 }),
          batchSize: 3,
          flushIntervalMs: 20,
          queueLimit: 1000,
          rows: rows as TraceRowCodec<unknown>,
        });
        second.start();
        const late = [record(), record(), record(), record()];
        for (const item of late) second.enqueue(item);
        for (
          let tries = 0;
          tries < 300 && second.stats().written + second.stats().replayed < 11;
          tries += 1
        ) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await second.close();
        assert.equal(second.stats().replayed, 7);
        assert.equal(second.stats().written, 4);
        const database = await own.open();
        try {
          const { rows } = await database.query<{ request_id: string }>(
            'SELECT request_id FROM llm_traces',
          );
          assert.deepEqual(
            new Set(rows.map((row) => row.request_id)),
            new Set([...records, ...late].map((item) => item.requestId)),
          );
          const stored = await database.query<{
            feature: string;
            prompt_text: string;
            attempts: unknown;
            cost_usd: number | null;
          }>(
            'SELECT feature, prompt_text, attempts, cost_usd FROM llm_traces WHERE request_id = $1',
            [odd.requestId],
          );
          assert.deepEqual(stored.rows[0], {
            feature: odd.feature,
            prompt_text: odd.promptText,
            attempts: odd.attempts,
            cost_usd: null,
          });
        } finally {
          await database.close();
        }
      } finally {
        await own.cleanup();
      }
    });
  }

  it('queued parts hold their text as UTF-8 bytes (off the JS heap) that read back as the rows', () => {
    const rows = [
      traceRecord({
        promptText: 'héllo ✓ 😀 "quoted" back\\slash {braces}',
        session: 'lone \ud800 x',
      }),
      traceRecord({ session: 'tab\there, new\nline' }),
    ];
    // Lone surrogates become U+FFFD in UTF-8, as they do in either statement's text.
    const wellFormed = (text: string) => text.replace(/[\ud800-\udfff]/gu, '\ufffd');
    const packed = columnParts.encode(rows);
    assert.ok(Buffer.isBuffer(packed.bytes));
    const fragments = columnFragments(rows).map(wellFormed);
    assert.deepEqual(unpackFragments(packed), fragments);
    assert.deepEqual(columnParts.decode(packed), parseColumnFragments(fragments));
    const copy = copyTextParts.encode(rows);
    assert.ok(Buffer.isBuffer(copy));
    assert.equal(copy.toString('utf8'), wellFormed(copyRows(rows)));
    assert.deepEqual(copyTextParts.decode(copy), parseCopyRows(wellFormed(copyRows(rows))));
  });

  it('a backlog over the memory bound goes to the spool a part per turn, not in one block', async () => {
    let decoded = 0;
    const counting: TraceRowCodec<Buffer> = {
      ...copyTextParts,
      decode: (part) => {
        decoded += 1;
        return copyTextParts.decode(part);
      },
    };
    const writer = createTraceWriter({
      connect: down,
      spool: createTraceSpool({ dir: join(dir, 'overflow-parts'), maxBytes: 50_000_000 }),
      batchSize: 2000,
      flushIntervalMs: 60_000,
      queueLimit: rowsPerTurn * 10,
      rows: counting,
    });
    for (let index = 0; index <= rowsPerTurn * 10; index += 1) writer.enqueue(record());
    // The bound was crossed by the last row: 10 parts and 1 open row left memory at once...
    assert.equal(writer.stats().queueDepth, 0);
    // ...but the parts are read back into records one per turn of the event loop.
    assert.ok(decoded <= 1, `${decoded} parts decoded in the enqueue's own turn`);
    await writer.close();
    assert.equal(decoded, 10);
    assert.equal(writer.stats().spooledRows, rowsPerTurn * 10 + 1);
    assert.equal(writer.stats().dropped, 0);
  });

  it('a part that cannot be encoded goes to the spool as records; later rows are not held up', async () => {
    let calls = 0;
    const failingOnce: TraceRowCodec<readonly TraceRecord[]> = {
      ...recordParts,
      encode: (records) => {
        calls += 1;
        if (calls === 1) throw new Error('unencodable');
        return recordParts.encode(records);
      },
    };
    const errors: string[] = [];
    const writer = createTraceWriter({
      connect: down,
      spool: createTraceSpool({ dir: join(dir, 'encode-failure'), maxBytes: 1_000_000 }),
      batchSize: rowsPerTurn * 10,
      flushIntervalMs: 60_000,
      queueLimit: 10_000,
      rows: failingOnce,
      onError: (_error, what) => errors.push(what),
    });
    for (let index = 0; index < rowsPerTurn * 2; index += 1) writer.enqueue(record());
    assert.equal(writer.stats().queueDepth, rowsPerTurn, 'the failed part left the queue');
    assert.equal(calls, 2, 'the next part was made as usual');
    await writer.close();
    assert.equal(errors[0], 'encode');
    assert.equal(writer.stats().spooledRows, rowsPerTurn * 2, 'every row reached the spool');
    assert.equal(writer.stats().dropped, 0);
  });

  it('queued rows take their written form a part (rowsPerTurn rows) at a time; a batch is whole parts', async () => {
    const encoded: number[] = [];
    const counting: TraceRowCodec<readonly TraceRecord[]> = {
      ...recordParts,
      encode: (records) => {
        encoded.push(records.length);
        return recordParts.encode(records);
      },
    };
    const batches: number[] = [];
    const writer = createTraceWriter({
      connect: () => Promise.resolve(slowDatabase(1, batches)),
      spool: createTraceSpool({ dir: join(dir, 'parts'), maxBytes: 1_000_000 }),
      batchSize: rowsPerTurn * 2.5,
      flushIntervalMs: 60_000,
      queueLimit: 10_000,
      rows: counting,
    });
    writer.start();
    const total = rowsPerTurn * 5 + 20;
    for (let index = 0; index < total; index += 1) writer.enqueue(record());
    assert.deepEqual(
      encoded,
      new Array<number>(5).fill(rowsPerTurn),
      'a part per rowsPerTurn rows',
    );
    assert.equal(writer.stats().queueDepth, total, 'the depth counts rows, not parts');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Full batches only before the timer: two parts each (a third would pass batchSize).
    assert.deepEqual(batches, [rowsPerTurn * 2, rowsPerTurn * 2]);
    assert.equal(writer.stats().queueDepth, rowsPerTurn + 20);
    await writer.close();
    assert.deepEqual(encoded.slice(5), [20], 'the flush makes a part of the rows left open');
    assert.deepEqual(batches.slice(2), [rowsPerTurn + 20]);
    assert.equal(writer.stats().written, total);
  });

  it('opens the database afresh when its serving process dies, and replays what was spooled meanwhile', async () => {
    // Embedded PGlite's child killed (a crash, the OOM killer): the old object refuses everything.
    const batches: number[][] = [[], []];
    const closed: number[] = [];
    const lostListeners: ((error: Error) => void)[] = [];
    let lost = false;
    const databases = [0, 1].map((index) => {
      const database: Database = {
        ...slowDatabase(0, batches[index]!),
        async query<Row>(_sql: string, params: unknown[] = []) {
          if (index === 0 && lost) throw new Error('the PGlite child process exited (SIGKILL)');
          batches[index]!.push(rowCount(params));
          return { rows: [] as Row[] };
        },
        ...(index === 0
          ? { onLost: (listener: (error: Error) => void) => void lostListeners.push(listener) }
          : {}),
        close: async () => {
          closed.push(index);
        },
      };
      return database;
    });
    let connects = 0;
    const writer = createTraceWriter({
      connect: async () => databases[Math.min(connects++, 1)]!,
      spool: createTraceSpool({ dir: join(dir, 'lost'), maxBytes: 1_000_000 }),
      batchSize: 10,
      flushIntervalMs: 10_000,
      queueLimit: 1000,
      retryDelayMs: 20,
    });
    writer.start();
    for (let index = 0; index < 2; index += 1) writer.enqueue(record());
    await writer.flush();
    assert.deepEqual(batches[0], [2]);

    lost = true;
    for (const listener of lostListeners) listener(new Error('the PGlite child process exited'));
    for (let index = 0; index < 3; index += 1) writer.enqueue(record());
    await writer.flush();
    assert.equal(writer.stats().spooledRows, 3, 'spooled while no database is open');
    assert.deepEqual(closed, [0], 'the lost database is closed (its directory lock released)');

    await new Promise((resolve) => setTimeout(resolve, 60));
    writer.enqueue(record());
    await writer.flush();
    await writer.close();
    assert.equal(connects, 2, 'connected afresh once');
    assert.equal(
      batches[1]!.reduce((sum, rows) => sum + rows, 0),
      4,
      'the new database got the spooled rows and the new one',
    );
    assert.equal(writer.stats().written, 3);
    assert.equal(writer.stats().replayed, 3);
    assert.equal(writer.stats().spooledRows, 0);
  });

  it('close does not wait for a database that is still opening: the rows go to the spool', async () => {
    let opened: Promise<Database> | undefined;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writer = createTraceWriter({
      connect: () => (opened ??= gate.then(() => target.open())),
      spool: createTraceSpool({ dir: join(dir, 'opening'), maxBytes: 1_000_000 }),
      batchSize: 10,
      flushIntervalMs: 20,
      queueLimit: 1000,
    });
    writer.start();
    for (let index = 0; index < 3; index += 1) writer.enqueue(record());
    await writer.close();
    assert.equal(writer.stats().written, 0);
    assert.equal(writer.stats().spooledRows, 3);
    // The database finishes opening after the close: the writer closes it again (no leaked pool).
    release();
    await opened;
  });

  it('spills to disk beyond the memory bound, and counts what a full spool drops', async () => {
    const writer = createTraceWriter({
      connect: down,
      spool: createTraceSpool({ dir: join(dir, 'bound'), maxBytes: 20_000 }),
      batchSize: 1000,
      flushIntervalMs: 60_000,
      queueLimit: 10,
    });
    for (let index = 0; index < 11; index += 1) writer.enqueue(record());
    // The 11th row crossed the bound: the whole backlog left memory at once.
    assert.equal(writer.stats().queueDepth, 0);
    for (let index = 0; index < 200; index += 1) writer.enqueue(record());
    await writer.close();
    const stats = writer.stats();
    assert.ok(stats.spooledBytes <= 20_000);
    assert.ok(stats.dropped > 0, 'a full spool drops rows');
    assert.equal(stats.spooledRows + stats.dropped, 211, 'every row is either spooled or counted');
  });

  it('writes full batches while rows arrive faster than an insert takes; a partial batch waits for the timer', async () => {
    // Each statement has a fixed cost (~3 ms on embedded PGlite whatever its size): draining the
    // few rows that arrived during the previous insert, again and again, kept the database busy
    // with 10-row statements at 1,000 req/s. Only full batches go before the flush interval.
    const batches: number[] = [];
    const slow = slowDatabase(15, batches);
    const writer = writerOver(slow, join(dir, 'batches'), 20, 60_000);
    writer.start();
    for (let index = 0; index < 210; index += 1) {
      writer.enqueue(record());
      if (index % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(batches, new Array<number>(10).fill(20), 'only full batches before the timer');
    assert.equal(writer.stats().queueDepth, 10);
    await writer.close();
    assert.deepEqual(batches.slice(10), [10], 'close writes the partial batch');
    assert.equal(writer.stats().written, 210);
  });

  it('a timer flush writes the rows queued when it began; rows arriving meanwhile wait', async () => {
    // The flush interval used to drain until the queue was empty: each statement's few-ms fixed
    // cost let a handful of new rows in, which got a statement of their own, and so on: a cascade
    // of 10-30-row COPYs on embedded PGlite at every flush interval under steady load.
    const batches: number[] = [];
    let writer: ReturnType<typeof createTraceWriter> | undefined;
    // Rows keep arriving while each statement runs.
    const slow = slowDatabase(5, batches, () => {
      for (let index = 0; index < 3; index += 1) writer?.enqueue(record());
    });
    writer = writerOver(slow, join(dir, 'partial'), 100, 40);
    writer.start();
    for (let index = 0; index < 7; index += 1) writer.enqueue(record());
    await new Promise((resolve) => setTimeout(resolve, 60));
    // One flush interval: the 7 rows, one statement; the 3 that came during it wait.
    assert.deepEqual(batches, [7]);
    assert.equal(writer.stats().queueDepth, 3);
    const running = writer;
    writer = undefined; // no more rows from here on
    await running.close();
    assert.deepEqual(batches.slice(1), [3], 'close writes what is left');
    assert.equal(running.stats().written, 10);
  });

  it('close writes the rows that arrive while its own statements run', async () => {
    const batches: number[] = [];
    let arrivals = 3; // statements during which 2 more rows arrive
    const slow = slowDatabase(5, batches, () => {
      if (arrivals-- > 0) for (let index = 0; index < 2; index += 1) writer.enqueue(record());
    });
    const writer = writerOver(slow, join(dir, 'close-arrivals'), 100, 60_000);
    writer.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let index = 0; index < 4; index += 1) writer.enqueue(record());
    await writer.close();
    assert.deepEqual(batches, [4, 2, 2, 2]);
    assert.equal(writer.stats().written, 10);
    assert.equal(writer.stats().queueDepth, 0);
    assert.equal(writer.stats().spooledRows, 0);
  });
});
