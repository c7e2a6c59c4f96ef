// The Database over an embedded PGlite that lives in a worker thread (pglite-worker.ts), so its
// WASM never runs on the event loop that serves requests. Parameters and rows cross by structured
// clone (Dates, arrays, objects and bigints survive). The thread is referenced only while a
// statement is in flight, so an idle open database does not keep the process alive (as in-process
// PGlite did not). If the thread dies, every pending and later statement rejects.
//
// A directory without a database is created in a thread of its own that then ends: PGlite's initdb
// leaves ~400 MB of WASM memory behind in the thread that ran it, for as long as that thread lives
// (a script measured ~790 MB of RSS after creating a database in a worker; ~400 MB once a fresh
// thread had opened it instead). Only the first start pays the extra open (~2 s, off the request path).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Database, QueryResult } from './database.js';

export type PgliteRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[] }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'copy'; sql: string; data: string }
  | { id: number; op: 'close' };

export interface PgliteReply {
  id: number;
  rows?: unknown[];
  error?: { message: string; name?: string; [field: string]: unknown };
}

/** Under tsx (tests, `npm run dev`) this module is the .ts source; built, dist/…/pglite-client.js. */
const fromSource = import.meta.url.endsWith('.ts');

function startWorker(data: PgliteWorkerData): Worker {
  const url = new URL(`./pglite-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(url, { workerData: data });
  // A worker thread does not get the parent's module hooks: register tsx in it, then load.
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
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
  /** Called when `dir` held no database and a thread of its own created it (tests). */
  onCreated?: () => void;
}

/** What the worker thread is started with (pglite-worker.ts). */
export interface PgliteWorkerData {
  dir: string;
  sharedBuffersMb?: number | undefined;
  /** The thread's CPU niceness (Linux; higher is lower priority); absent: the process's. */
  niceness?: number | undefined;
}

/**
 * The serving thread's niceness: below the event loop, so a trace batch never takes a core from
 * requests (pglite-worker.ts). Measured, chat and chat-stream at 1,000 req/s, the gateway's added
 * p99 in alternating runs: 1.0-3.6 ms at niceness 10 against 2.7-8.4 at the process's own
 * (BENCHMARKS.md, eighth session).
 */
export const pgliteThreadNiceness = 10;

/** Opens (creating it if needed) the PGlite database in `dir` on a worker thread. */
export async function openPgliteInWorker(
  dir: string,
  options: OpenPgliteOptions = {},
): Promise<Database> {
  if (!dir.startsWith('memory://') && !existsSync(join(dir, 'PG_VERSION'))) {
    const creator = await openInWorker({ dir });
    await creator.close();
    options.onCreated?.();
  }
  return openInWorker({
    dir,
    sharedBuffersMb: options.sharedBuffersMb,
    niceness: pgliteThreadNiceness,
  });
}

function openInWorker(data: PgliteWorkerData): Promise<Database> {
  const worker = startWorker(data);
  const pending = new Map<
    number,
    { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }
  >();
  let nextId = 1;
  let failure: Error | undefined;

  function settleAll(error: Error) {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
    worker.unref();
  }

  worker.on('message', (reply: PgliteReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error) waiter.reject(toError(reply.error));
    else waiter.resolve(reply.rows ?? []);
  });
  worker.on('error', (error) => settleAll(error));
  worker.on('exit', (code) =>
    settleAll(new Error(`the PGlite worker thread exited (code ${code})`)),
  );

  function send(request: PgliteRequest): Promise<unknown[]> {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      worker.ref();
      worker.postMessage(request);
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
    async copyFrom(sql, data) {
      await send({ id: nextId++, op: 'copy', sql, data });
    },
    withConnection: (work) => work(database),
    close() {
      closing ??= failure
        ? Promise.resolve()
        : send({ id: nextId++, op: 'close' }).then(async () => {
            await worker.terminate();
          });
      return closing;
    },
  };

  return ready.then(
    () => database,
    async (error: unknown) => {
      await worker.terminate();
      throw error;
    },
  );
}
