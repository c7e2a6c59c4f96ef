// The Database over an embedded PGlite that lives in a child process (pglite-child.ts), so its
// WASM never runs on the event loop that serves requests, and its memory (~400 MB of WASM memory,
// compiled code and heaps) is not the gateway's (BENCHMARKS.md, ninth session: on a host whose
// kernel samples memory access, a bigger gateway process stalled longer). Parameters and rows cross
// the IPC channel with the "advanced" serialisation (structured clone: Dates, arrays, objects and
// bigints survive); a COPY's bytes take a pipe of their own (copyDataFd). The child and its
// channel are referenced only while a statement is in flight, so an idle open database does not
// keep the gateway alive. If the child dies, every pending and later statement rejects; if the
// gateway dies, the child closes the database and ends.
//
// A directory without a database is created by a child of its own that then ends: PGlite's initdb
// leaves ~400 MB of WASM memory behind in the process that ran it, for as long as it lives (a
// script measured ~790 MB after creating a database; ~400 MB once a fresh instance had opened it
// instead). Only the first start pays the extra open (~2 s, off the request path).

import { fork, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CopyPart, Database, QueryResult } from './database.js';

export type PgliteRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[] }
  | { id: number; op: 'exec'; sql: string }
  // The COPY's rows: `bytes` bytes of the data pipe (copyDataFd), after the previous copy's.
  | { id: number; op: 'copy'; sql: string; bytes: number }
  | { id: number; op: 'close' };

export interface PgliteReply {
  id: number;
  rows?: unknown[];
  error?: { message: string; name?: string; [field: string]: unknown };
}

/**
 * The child's file descriptor of the pipe that carries COPY rows, beside the IPC channel (fd 3).
 *
 * A COPY's parts crossed the IPC channel inside its message until the twenty-third session. A
 * Buffer serialised that way ("advanced" serialisation, as `v8.serialize` does) stayed reachable
 * after the send until the next mark-compact, for messages the size of a trace batch at 1,000
 * req/s (~370 KB; ~150 KB ones did not); what inside Node holds them was not found. Each batch's
 * bytes (~370 a request) so piled up outside the heap, and at 1,000 req/s that drove the gateway's
 * mark-compacts (10-20 ms pauses: the p99 of the requests behind them). Written to this pipe, the
 * parts are freed by the scavenges after the write (BENCHMARKS.md, twenty-third session).
 */
export const copyDataFd = 4;

/** Under tsx (tests, `npm run dev`) this module is the .ts source; built, dist/…/pglite-client.js. */
const fromSource = import.meta.url.endsWith('.ts');

function startChild(data: PgliteChildData): ChildProcess {
  const entry = fileURLToPath(
    new URL(`./pglite-child.${fromSource ? 'ts' : 'js'}`, import.meta.url),
  );
  return fork(entry, [], {
    // Not the gateway's own Node flags (heap sizes, --cpu-prof, …); tsx to load the .ts source.
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    serialization: 'advanced',
    env: { ...process.env, SWITCHYARD_PGLITE_CHILD: JSON.stringify(data) },
    // stdout/stderr are the gateway's (PGlite prints nothing there in normal operation); then
    // the IPC channel and the COPY data pipe (copyDataFd).
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  });
}

function toError(reply: NonNullable<PgliteReply['error']>): Error {
  const { message, name, ...fields } = reply;
  const error = Object.assign(new Error(message), fields);
  if (name) error.name = name;
  return error;
}

export interface OpenPgliteOptions {
  /** PostgreSQL's shared_buffers in MB; absent → PGlite's default (128). */
  sharedBuffersMb?: number | undefined;
  /** Called when `dir` held no database and a child of its own created it (tests). */
  onCreated?: () => void;
  /** Called with the process id of the child that serves the database (tests). */
  onServing?: (pid: number) => void;
}

/** What the child process is started with (pglite-child.ts). */
export interface PgliteChildData {
  dir: string;
  sharedBuffersMb?: number | undefined;
  /** The child's CPU niceness (higher is lower priority); absent: the gateway's. */
  niceness?: number | undefined;
}

/**
 * The serving child's niceness: below the gateway's event loop, so a trace batch never takes a
 * core from requests (pglite-child.ts). Measured on a worker thread (eighth session), chat and
 * chat-stream at 1,000 req/s, the gateway's added p99 in alternating runs: 1.0-3.6 ms at niceness
 * 10 against 2.7-8.4 at the process's own (BENCHMARKS.md).
 */
export const pgliteChildNiceness = 10;

/** Opens (creating it if needed) the PGlite database in `dir` in a child process. */
export async function openPgliteInChildProcess(
  dir: string,
  options: OpenPgliteOptions = {},
): Promise<Database> {
  if (!dir.startsWith('memory://') && !existsSync(join(dir, 'PG_VERSION'))) {
    const creator = await openInChild({ dir });
    await creator.close();
    options.onCreated?.();
  }
  return openInChild(
    { dir, sharedBuffersMb: options.sharedBuffersMb, niceness: pgliteChildNiceness },
    options.onServing,
  );
}

function openInChild(data: PgliteChildData, onServing?: (pid: number) => void): Promise<Database> {
  const child = startChild(data);
  const copyData = child.stdio[copyDataFd] as Writable & { unref?: () => void };
  // Nothing comes back on it; a write to a child that died fails here (EPIPE), and the child's
  // 'exit' below rejects the statement. Its handle never keeps the gateway alive (a write in
  // progress does, as any write does).
  copyData.on('error', () => undefined);
  copyData.unref?.();
  const pending = new Map<
    number,
    { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }
  >();
  let nextId = 1;
  let failure: Error | undefined;
  /** The child answered its first message: the database is open. */
  let opened = false;

  // Referenced (keeps the gateway alive) only while a statement is in flight, and while closing
  // until the child has ended.
  let closingStarted = false;
  const reference = (on: boolean) => {
    if (on) {
      child.ref();
      child.channel?.ref();
    } else if (!closingStarted) {
      child.unref();
      child.channel?.unref();
    }
  };

  function settleAll(error: Error) {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
    reference(false);
  }

  child.on('message', (reply: PgliteReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (pending.size === 0) reference(false);
    if (reply.error) waiter.reject(toError(reply.error));
    else waiter.resolve(reply.rows ?? []);
  });
  child.on('error', (error) => settleAll(error));
  const lostListeners: ((error: Error) => void)[] = [];
  child.on('exit', (code, signal) => {
    const error = new Error(`the PGlite child process exited (${signal ?? `code ${code}`})`);
    settleAll(error);
    // Ended without being closed, after it had opened: its owner must open a new one.
    if (!closingStarted && opened) for (const listener of lostListeners.splice(0)) listener(error);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  /** Sends a request; a copy's parts first go down the data pipe, where the child reads them. */
  function send(request: PgliteRequest, copyParts?: readonly CopyPart[]): Promise<unknown[]> {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      reference(true);
      for (const part of copyParts ?? []) copyData.write(part);
      child.send(request, (error) => {
        if (error && pending.delete(request.id)) reject(error);
      });
    });
  }

  const ready = new Promise<unknown[]>((resolve, reject) => {
    pending.set(0, { resolve, reject });
  });

  let closing: Promise<void> | undefined;
  const database: Database = {
    kind: 'pglite',
    async query<Row>(sql: string, params: unknown[] = []): Promise<QueryResult<Row>> {
      const rows = await send({ id: nextId++, op: 'query', sql, params });
      return { rows: rows as Row[] };
    },
    async exec(sql) {
      await send({ id: nextId++, op: 'exec', sql });
    },
    async copyFrom(sql, parts) {
      let bytes = 0;
      for (const part of parts) {
        bytes += typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength;
      }
      await send({ id: nextId++, op: 'copy', sql, bytes }, parts);
    },
    withConnection: (work) => work(database),
    onLost(listener) {
      lostListeners.push(listener);
    },
    close() {
      // The child closes PGlite, answers and ends; wait for it to be gone.
      if (!closing) {
        if (!failure) reference(true);
        closingStarted = true;
        closing = failure ? exited : send({ id: nextId++, op: 'close' }).then(() => exited);
      }
      return closing;
    },
  };

  return ready.then(
    () => {
      opened = true;
      if (child.pid !== undefined) onServing?.(child.pid);
      return database;
    },
    async (error: unknown) => {
      child.kill();
      await exited;
      throw error;
    },
  );
}
