// The embedded PGlite database in a worker thread of its own: Postgres compiled to WASM runs
// synchronously for the length of each statement, so on the gateway's event loop every trace batch
// and dashboard query would stall the requests in flight. The thread owns the one PGlite instance
// and answers the messages of openPgliteInWorker (pglite-client.ts) one at a time, in order.

import { readlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { PgliteReply, PgliteRequest, PgliteWorkerData } from './pglite-client.js';

const port = parentPort;
if (!port) throw new Error('pglite-worker.ts runs as a worker thread (see pglite-client.ts)');

/**
 * Lowers this thread's CPU priority (Linux: setpriority on the thread's own id, which
 * /proc/thread-self names). A trace batch is a burst of WASM on this thread (~35 µs of CPU per
 * row: ~35 ms for a second's rows at 1,000 req/s); at the process's own priority that burst took
 * cores from the event loop, and the requests that arrived during it were the p99. At a lower
 * priority it runs when a core is free: rows wait in the queue (and its disk spool) instead of
 * requests. Elsewhere (no /proc, or not permitted) the thread keeps the process's priority.
 */
function lowerThreadPriority(niceness: number): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, niceness);
  } catch {
    // not Linux, or not permitted: run at the process's priority
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

async function main(channel: NonNullable<typeof parentPort>): Promise<void> {
  const { dir, sharedBuffersMb, niceness } = workerData as PgliteWorkerData;
  if (niceness !== undefined) lowerThreadPriority(niceness);
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
    channel.postMessage({ id: 0, error: serialiseError(error) } satisfies PgliteReply);
    return;
  }
  channel.postMessage({ id: 0, rows: [] } satisfies PgliteReply);
  // One statement at a time, in arrival order (PGlite itself serialises them too).
  let chain = Promise.resolve();
  channel.on('message', (request: PgliteRequest) => {
    chain = chain.then(async () => {
      try {
        if (request.op === 'query') {
          const result = await lite.query(request.sql, request.params);
          channel.postMessage({ id: request.id, rows: result.rows } satisfies PgliteReply);
        } else if (request.op === 'copy') {
          await lite.query(request.sql, [], { blob: new Blob([request.data]) });
          channel.postMessage({ id: request.id, rows: [] } satisfies PgliteReply);
        } else if (request.op === 'exec') {
          await lite.exec(request.sql);
          channel.postMessage({ id: request.id, rows: [] } satisfies PgliteReply);
        } else {
          await lite.close();
          channel.postMessage({ id: request.id, rows: [] } satisfies PgliteReply);
          channel.close();
        }
      } catch (error) {
        channel.postMessage({ id: request.id, error: serialiseError(error) } satisfies PgliteReply);
      }
    });
  });
}

void main(port);
