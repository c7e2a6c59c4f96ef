// The trace writer: rows are queued in memory and written in batches by a timer, never on the
// response path. When the database is down, slow or not open yet, batches go to the disk spool and
// are replayed (oldest first) once it answers again. A crash loses at most the rows still in memory:
// those of the last flush interval (plus a batch whose INSERT was in flight).

import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { TraceRecord } from '../telemetry/build-trace-record.js';
import type { Database } from './database.js';
import {
  columnFragments,
  copyRows,
  insertColumnParts,
  insertCopyParts,
  insertTraces,
  parseColumnFragments,
  parseCopyRows,
  rowsPerTurn,
} from './insert-traces.js';
import type { TraceSpool } from './trace-spool.js';

export interface TraceWriterStats {
  queueDepth: number;
  spooledRows: number;
  spooledBytes: number;
  written: number;
  spooled: number;
  replayed: number;
  dropped: number;
  failures: number;
  databaseAvailable: boolean;
}

export interface TraceWriter {
  /** Connects (and migrates) in the background and replays a spool left by an earlier run. */
  start(): void;
  /** Synchronous, O(1) amortised: the request path only pushes onto the queue (every
   * rowsPerTurn-th row makes its part: ~0.2 ms of COPY text on embedded PGlite). */
  enqueue(record: TraceRecord): void;
  /** Writes everything queued now (to the database, or the spool when it fails). */
  flush(): Promise<void>;
  stats(): TraceWriterStats;
  /** The open trace database (undefined until it connects, and after close): the dashboard reads it. */
  database(): Database | undefined;
  /** Stops the timer, flushes the queue (spooling what the database will not take). */
  close(): Promise<void>;
}

/**
 * The form queued rows wait in, a part (up to `rowsPerTurn` rows) at a time, and how a batch of
 * parts is written. The trace store's rows wait in the form their statement takes: COPY text on
 * embedded PGlite (copyTextParts), array-literal fragments on PostgreSQL (columnParts); records as
 * they are by default. A row kept as its record is ~10 small objects, which every young-generation
 * GC copies while it waits (up to the flush interval); 100 rows of COPY text are one flat string,
 * of fragments 37 (BENCHMARKS.md, fourteenth session).
 */
export interface TraceRowCodec<Part> {
  /** Called when a part's rows are all queued (or at a flush, with fewer). */
  encode: (records: readonly TraceRecord[]) => Part;
  /** The part's records again, for the spool (rare: the database is down or slow). */
  decode: (part: Part) => TraceRecord[];
  insert: (database: Database, parts: readonly Part[]) => Promise<void>;
}

export const recordParts: TraceRowCodec<readonly TraceRecord[]> = {
  encode: (records) => records,
  decode: (records) => [...records],
  insert: (database, parts) =>
    insertTraces(database, parts.length === 1 ? parts[0]! : parts.flat()),
};

/**
 * Embedded PGlite: a part waits as its COPY text's UTF-8 bytes, outside the JS heap, and goes into
 * the COPY as it is. As a string (until the eighteenth session) up to a flush interval of text
 * (~0.5 MB at 1,000 req/s) was live young-generation data that every scavenge copied, and promoted
 * after two: ~85 % of what scavenges copied and nearly all they promoted at 1,000 req/s (survived
 * ~520 KB and promoted ~440 KB per scavenge, against ~70 and ~20 KB with traces off; BENCHMARKS.md,
 * eighteenth session). A Buffer is one small object there; its bytes are freed with it.
 */
export const copyTextParts: TraceRowCodec<Buffer> = {
  encode: (records) => Buffer.from(copyRows(records)),
  decode: parseCopyRows,
  insert: insertCopyParts,
};

/** A part's column fragments as one run of UTF-8 bytes and each fragment's length in characters. */
export interface PackedFragments {
  bytes: Buffer;
  lengths: Uint32Array;
}

/** The fragments a part was packed from (the text's UTF-8 round trip keeps every length). */
export function unpackFragments(part: PackedFragments): string[] {
  const text = part.bytes.toString('utf8');
  const fragments = new Array<string>(part.lengths.length);
  let start = 0;
  for (let column = 0; column < part.lengths.length; column += 1) {
    const end = start + part.lengths[column]!;
    fragments[column] = text.slice(start, end);
    start = end;
  }
  return fragments;
}

/**
 * PostgreSQL: a part waits as its columns' array-literal fragments, joined into the batch's at
 * insert time; packed as UTF-8 bytes outside the JS heap while they wait, for the reason
 * copyTextParts gives.
 */
export const columnParts: TraceRowCodec<PackedFragments> = {
  encode: (records) => {
    const fragments = columnFragments(records);
    return {
      bytes: Buffer.from(fragments.join('')),
      lengths: Uint32Array.from(fragments, (fragment) => fragment.length),
    };
  },
  decode: (part) => parseColumnFragments(unpackFragments(part)),
  insert: (database, parts) => insertColumnParts(database, parts.map(unpackFragments)),
};

export interface TraceWriterOptions<Part = readonly TraceRecord[]> {
  /** The queued form of rows (default: records as they are). */
  rows?: TraceRowCodec<Part>;
  /** Resolves once the database is open and migrated; rejects (and is retried) while it is down. */
  connect: () => Promise<Database>;
  spool: TraceSpool;
  batchSize: number;
  flushIntervalMs: number;
  queueLimit: number;
  /** Delay before trying a failed database again (doubles up to 30 s). */
  retryDelayMs?: number;
  onError?: (error: unknown, what: string) => void;
}

interface QueuedPart<Part> {
  part: Part;
  rows: number;
}

export function createTraceWriter<Part = readonly TraceRecord[]>(
  options: TraceWriterOptions<Part>,
): TraceWriter {
  const { spool, batchSize, queueLimit } = options;
  const codec = (options.rows ?? recordParts) as TraceRowCodec<Part>;
  const rowsPerPart = Math.min(rowsPerTurn, batchSize);
  const baseRetryMs = options.retryDelayMs ?? 1_000;
  // The queue: rows not yet in a part (fewer than rowsPerPart), then whole parts, oldest first.
  let open: TraceRecord[] = [];
  let parts: QueuedPart<Part>[] = [];
  let queuedRows = 0;
  let database: Database | undefined;
  let connecting: Promise<Database | undefined> | undefined;
  let available = false;
  let retryAt = 0;
  let retryMs = baseRetryMs;
  let running: Promise<void> | undefined;
  let again = false;
  let partialWanted = false;
  let closing = false;
  let closed = false;
  const counters = { written: 0, spooled: 0, replayed: 0, dropped: 0, failures: 0 };
  const pendingSpools = new Set<Promise<void>>();

  function fail(error: unknown, what: string) {
    counters.failures += 1;
    available = false;
    retryAt = Date.now() + retryMs;
    retryMs = Math.min(retryMs * 2, 30_000);
    options.onError?.(error, what);
  }

  // A database whose serving process died (embedded PGlite's child: a crash, the OOM killer) is
  // closed (releasing its directory's lock) and opened afresh at the next attempt; meanwhile rows
  // go to the spool, to be replayed into the new one.
  let releasing: Promise<void> | undefined;
  function forget(lost: Database, error: Error) {
    if (database !== lost) return;
    database = undefined;
    fail(error, 'lost');
    releasing = lost
      .close()
      .catch((closeError: unknown) => options.onError?.(closeError, 'close'))
      .finally(() => {
        releasing = undefined;
      });
  }

  async function ensureDatabase(): Promise<Database | undefined> {
    if (database) return database;
    // Shutting down while the database is still opening (PGlite's first start can take seconds):
    // do not wait for it; the rows go to the spool and the next start replays them.
    if (closing && connecting) return undefined;
    if (Date.now() < retryAt) return undefined;
    connecting ??= (releasing ?? Promise.resolve())
      .then(() => options.connect())
      .then(async (opened) => {
        if (closed) {
          await opened.close().catch(() => undefined);
          return undefined;
        }
        database = opened;
        opened.onLost?.((error) => forget(opened, error));
        return opened;
      })
      .catch((error: unknown) => {
        fail(error, 'connect');
        return undefined;
      })
      .finally(() => {
        connecting = undefined;
      });
    return connecting;
  }

  /**
   * Appends queued parts (decoded back into records a part per turn of the event loop: a backlog
   * of 50,000 rows at once would hold the loop for a good fraction of a second) and then `records`
   * to the spool, as one segment.
   */
  function toSpool(
    queued: readonly QueuedPart<Part>[],
    records: TraceRecord[] = [],
  ): Promise<void> {
    const rows = queued.reduce((sum, { rows: count }) => sum + count, records.length);
    const pending = (async () => {
      try {
        const all: TraceRecord[] = [];
        for (let index = 0; index < queued.length; index += 1) {
          if (index > 0) await setImmediatePromise();
          for (const record of codec.decode(queued[index]!.part)) all.push(record);
        }
        for (const record of records) all.push(record);
        if (await spool.append(all)) counters.spooled += rows;
        else counters.dropped += rows;
      } catch (error) {
        counters.dropped += rows;
        options.onError?.(error, 'spool');
      }
    })();
    pendingSpools.add(pending);
    void pending.finally(() => pendingSpools.delete(pending));
    return pending;
  }

  async function tryInsert(write: (database: Database) => Promise<void>): Promise<boolean> {
    const db = available || Date.now() >= retryAt ? await ensureDatabase() : undefined;
    if (!db) return false;
    try {
      await write(db);
      available = true;
      retryMs = baseRetryMs;
      return true;
    } catch (error) {
      fail(error, 'insert');
      return false;
    }
  }

  async function replaySpool(): Promise<boolean> {
    for (const segment of spool.segments()) {
      let records: TraceRecord[];
      try {
        records = await spool.read(segment);
      } catch (error) {
        options.onError?.(error, 'spool-read');
        return false;
      }
      for (let start = 0; start < records.length; start += batchSize) {
        // A partly replayed segment is replayed again from its start: request_id makes it harmless.
        const batch = records.slice(start, start + batchSize);
        if (!(await tryInsert((db) => insertTraces(db, batch)))) return false;
      }
      counters.replayed += records.length;
      await spool.remove(segment);
    }
    return true;
  }

  /**
   * Writes the queue in batches. Before the flush interval is up (`partial` false) only full
   * batches go: a statement has a fixed cost (~3 ms on embedded PGlite), and draining the few rows
   * that arrived during the previous insert, again and again, kept the database busy with 10-row
   * statements.
   */
  async function drain(partial: boolean): Promise<void> {
    await spool.init();
    // Replay before new rows only when the database answers; otherwise new rows join the spool.
    let databaseUp = spool.rows === 0 ? true : await replaySpool();
    // A partial drain writes the rows queued when it began: rows that arrive during its statements
    // wait for a full batch or the next interval (else each statement's fixed cost let a few rows
    // in, which got a statement of their own, and so on).
    let partialRows = partial ? queuedRows : 0;
    while (queuedRows >= batchSize || (partialRows > 0 && queuedRows > 0)) {
      const { batch, rows } = takeBatch();
      partialRows -= rows;
      if (
        databaseUp &&
        (await tryInsert((db) =>
          codec.insert(
            db,
            batch.map(({ part }) => part),
          ),
        ))
      ) {
        counters.written += rows;
        continue;
      }
      databaseUp = false;
      // The database is unavailable: everything queued goes to disk now, one file per batch.
      await toSpool(batch);
    }
  }

  /** The open rows as a part of their own (their form from now until they are written). */
  function seal(): void {
    if (open.length === 0) return;
    const records = open;
    open = [];
    try {
      parts.push({ part: codec.encode(records), rows: records.length });
    } catch (error) {
      // Not expected (a record's values are strings, numbers, booleans): the rows go to the spool
      // as records rather than block every later row behind them.
      options.onError?.(error, 'encode');
      queuedRows -= records.length;
      void toSpool([], records);
    }
  }

  /** The oldest whole parts, up to batchSize rows (at least one part), out of the queue. */
  function takeBatch(): { batch: QueuedPart<Part>[]; rows: number } {
    if (queuedRows - open.length < batchSize) seal();
    let rows = 0;
    let taken = 0;
    while (taken < parts.length && (taken === 0 || rows + parts[taken]!.rows <= batchSize)) {
      rows += parts[taken]!.rows;
      taken += 1;
    }
    const batch = parts.splice(0, taken);
    queuedRows -= rows;
    return { batch, rows };
  }

  /** `partial`: write a batch smaller than batchSize too (the flush interval is up, or a flush). */
  function run(partial: boolean): Promise<void> {
    if (partial) partialWanted = true;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          const withPartial = partialWanted;
          partialWanted = false;
          await drain(withPartial);
        } while (again && queuedRows > 0);
      } catch (error) {
        options.onError?.(error, 'flush');
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  const timer = setInterval(() => {
    if (queuedRows > 0 || (spool.rows > 0 && Date.now() >= retryAt)) void run(true);
  }, options.flushIntervalMs);
  timer.unref();

  return {
    start() {
      void ensureDatabase().then(() => run(false));
    },
    enqueue(record) {
      if (closed) {
        void toSpool([], [record]);
        return;
      }
      open.push(record);
      queuedRows += 1;
      if (open.length >= rowsPerPart) seal();
      if (queuedRows >= batchSize && !running) void run(false);
      if (queuedRows > queueLimit) {
        // Over the bound (the writer cannot keep up): move the backlog to disk at once.
        const overflow = parts;
        const rest = open;
        parts = [];
        open = [];
        queuedRows = 0;
        void toSpool(overflow, rest);
      }
    },
    async flush() {
      await run(true);
      if (queuedRows > 0) await run(true);
    },
    database() {
      return closed ? undefined : database;
    },
    stats() {
      return {
        queueDepth: queuedRows,
        spooledRows: spool.rows,
        spooledBytes: spool.bytes,
        ...counters,
        databaseAvailable: available,
      };
    },
    async close() {
      clearInterval(timer);
      closing = true;
      // Shutdown must not wait out a retry delay: try the database once more, then spool.
      retryAt = 0;
      await this.flush();
      // A flush writes what was queued when it began: rows that came in during its statements are
      // written too, until none is left; from the same tick on, late rows go to the spool.
      while (queuedRows > 0) await run(true);
      closed = true;
      await Promise.all(pendingSpools);
      await database?.close().catch((error: unknown) => options.onError?.(error, 'close'));
    },
  };
}
