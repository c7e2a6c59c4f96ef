// The embedded PGlite database in a child process of its own: Postgres compiled to WASM runs
// synchronously for the length of each statement, so on the gateway's event loop every trace batch
// and dashboard query would stall the requests in flight; and in the gateway's own process (a worker
// thread, until the ninth session) its ~400 MB of WASM memory, compiled code and heaps made the
// gateway's process five times the bare proxy's size, which on a host whose kernel samples memory
// access (Linux DAMON) lengthened the gateway's own stalls (BENCHMARKS.md, "Host stalls"). The
// process owns the one PGlite instance and answers the messages of openPgliteInChildProcess
// (pglite-client.ts) one at a time, in order, over the IPC channel; a COPY's rows come on a pipe of
// their own (copyDataFd).

import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { setPriority } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import { createCopyDataReader } from './copy-data-reader.js';
import {
  copyDataFd,
  type PgliteChildData,
  type PgliteReply,
  type PgliteRequest,
} from './pglite-client.js';

if (!process.send) throw new Error('pglite-child runs as a child process (see pglite-client.ts)');
/**
 * Sends a reply. The channel can be gone (the gateway was killed while a statement ran here): the
 * write then fails, and without a callback that failure was an uncaught EPIPE that killed this
 * process before the `disconnect` handler below could close the database. With one, the error is
 * the callback's, and the handler ends the process cleanly.
 */
const send = (reply: PgliteReply, then?: () => void): void => {
  if (!process.connected) return;
  process.send?.(reply, undefined, {}, (error: Error | null) => {
    if (!error) then?.();
  });
};
/** Sends the last reply, then closes the channel once it is written. */
const sendLast = (reply: PgliteReply): void => {
  send(reply, () => process.disconnect());
};

/**
 * Lowers this process's CPU priority, every thread of it (Linux: setpriority per thread id from
 * /proc/self/task; threads started later inherit it). A trace batch is a burst of WASM here (~35 µs
 * of CPU per row: ~35 ms for a second's rows at 1,000 req/s); at the gateway's own priority that
 * burst took cores from its event loop, and the requests that arrived during it were the p99. At a
 * lower priority it runs when a core is free: rows wait in the queue (and its disk spool) instead
 * of requests. Elsewhere the process keeps its priority where the platform refuses.
 */
function lowerPriority(niceness: number): void {
  try {
    for (const task of readdirSync('/proc/self/task')) setPriority(Number(task), niceness);
  } catch {
    try {
      setPriority(niceness);
    } catch {
      // not permitted: run at the parent's priority
    }
  }
}

/** What crosses back to the caller: the message plus the fields pg-style errors carry. */
function serialiseError(error: unknown): NonNullable<PgliteReply['error']> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      fields[key] = value;
    }
  }
  return { ...fields, name: error.name, message: error.message };
}

// The gateway decides when this process ends (a `close` request, or its channel closing when the
// gateway exits or dies): a Ctrl-C to the terminal's process group, or systemd's SIGTERM to every
// process of the service, must not end it while the gateway still drains and flushes its traces.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

async function main(): Promise<void> {
  const { dir, sharedBuffersMb, niceness } = JSON.parse(
    process.env.SWITCHYARD_PGLITE_CHILD ?? '{}',
  ) as PgliteChildData;
  if (niceness !== undefined) lowerPriority(niceness);
  // Read as it comes (a write the gateway makes waits for nothing here); never what keeps this
  // process alive: the IPC channel is.
  const copyPipe = new Socket({ fd: copyDataFd, readable: true, writable: false });
  copyPipe.unref();
  const copyData = createCopyDataReader(copyPipe);
  let lite: PGlite;
  try {
    if (!dir.startsWith('memory://')) await mkdir(dir, { recursive: true });
    // PGlite's own start parameters, then ours (a later -c wins).
    const startParams =
      sharedBuffersMb === undefined
        ? undefined
        : [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`];
    lite = new PGlite(dir, startParams ? { startParams } : {});
    await lite.waitReady;
  } catch (error) {
    sendLast({ id: 0, error: serialiseError(error) });
    return;
  }
  send({ id: 0, rows: [] });
  // One statement at a time, in arrival order (PGlite itself serialises them too).
  let chain = Promise.resolve();
  let closed = false;
  const closeOnce = async () => {
    if (closed) return;
    closed = true;
    await lite.close();
  };
  process.on('message', (request: PgliteRequest) => {
    chain = chain.then(async () => {
      try {
        if (request.op === 'query') {
          const result = await lite.query(request.sql, request.params);
          send({ id: request.id, rows: result.rows });
        } else if (request.op === 'copy') {
          const parts = await copyData.take(request.bytes);
          await lite.query(request.sql, [], { blob: new Blob(parts) });
          send({ id: request.id, rows: [] });
        } else if (request.op === 'exec') {
          await lite.exec(request.sql);
          send({ id: request.id, rows: [] });
        } else {
          await closeOnce();
          sendLast({ id: request.id, rows: [] });
        }
      } catch (error) {
        send({ id: request.id, error: serialiseError(error) });
      }
    });
  });
  // The gateway went away without closing (it exited or was killed): finish the statement in
  // hand, close the database cleanly, and end.
  process.on('disconnect', () => {
    chain = chain.then(closeOnce).finally(() => process.exit(0));
  });
}

void main();
