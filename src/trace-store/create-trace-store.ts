// The trace store as the gateway uses it: the database (PostgreSQL when `database.url` is set, else
// embedded PGlite), migrations at start (retried in the background while the database is down),
// the batching writer and its disk spool.

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DatabaseConfig, TracesConfig } from '../config/observability-schema.js';
import { openDatabase, runMigrations, type Database, type Migration } from './database.js';
import { lockPgliteDir } from './pglite-lock.js';
import { createTraceSpool } from './trace-spool.js';
import { traceMigrations } from './trace-migrations.js';
import { createTraceWriter, type TraceWriter } from './create-trace-writer.js';

export interface TraceStoreOptions {
  database: DatabaseConfig;
  traces: TracesConfig;
  /** Migrations of other owners to run on the same database (keys, spend). */
  extraMigrations?: readonly Migration[];
  onError?: (error: unknown, what: string) => void;
  /** Delay before retrying a database that failed (default 1 s, doubling to 30 s). */
  retryDelayMs?: number;
}

/**
 * Opens the configured database and applies the migrations; closes it again if they fail. Scripts
 * and tests may leave out PGlite's shared_buffers (PostgreSQL's default then).
 */
export async function openTraceDatabase(
  database: Omit<DatabaseConfig, 'pgliteSharedBuffersMb'> & {
    pgliteSharedBuffersMb?: number | undefined;
  },
  extraMigrations: readonly Migration[] = [],
): Promise<Database> {
  const embedded = database.url === undefined && !database.pgliteDir.startsWith('memory://');
  if (embedded) await mkdir(dirname(database.pgliteDir), { recursive: true });
  const unlock = embedded ? await lockPgliteDir(database.pgliteDir) : async () => undefined;
  let opened: Database | undefined;
  try {
    opened = await openDatabase({
      ...(database.url !== undefined ? { url: database.url } : {}),
      pgliteDir: database.pgliteDir,
      statementTimeoutMs: database.statementTimeoutMs,
      maxConnections: database.maxConnections,
      pgliteSharedBuffersMb: database.pgliteSharedBuffersMb,
    });
    await runMigrations(opened, [...traceMigrations, ...extraMigrations]);
  } catch (error) {
    await opened?.close().catch(() => undefined);
    await unlock();
    throw error;
  }
  const close = opened.close.bind(opened);
  return Object.assign(opened, {
    async close() {
      try {
        await close();
      } finally {
        await unlock();
      }
    },
  });
}

export function createTraceStore(options: TraceStoreOptions): TraceWriter {
  const spool = createTraceSpool({
    dir: options.traces.spoolDir,
    maxBytes: options.traces.spoolMaxBytes,
  });
  return createTraceWriter({
    connect: () => openTraceDatabase(options.database, options.extraMigrations),
    spool,
    batchSize: options.traces.batchSize,
    flushIntervalMs: options.traces.flushIntervalMs,
    queueLimit: options.traces.queueLimit,
    retryDelayMs: options.retryDelayMs ?? options.traces.retryDelayMs,
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
