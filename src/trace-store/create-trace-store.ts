// The trace store as the gateway uses it: the database (PostgreSQL when `database.url` is set, else
// embedded PGlite), migrations at start (retried in the background while the database is down),
// the batching writer and its disk spool.

import type { DatabaseConfig, TracesConfig } from '../config/observability-schema.js';
import { openDatabase, runMigrations, type Database, type Migration } from './database.js';
import { openSharedEmbeddedDatabase } from './share-embedded-database.js';
import { createTraceSpool } from './trace-spool.js';
import { traceMigrations } from './trace-migrations.js';
import {
  columnParts,
  copyTextParts,
  createTraceWriter,
  type TraceWriter,
} from './create-trace-writer.js';

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
 * Opens the configured database and applies the migrations; closes it again if they fail. An
 * embedded directory is shared by every owner in this process (share-embedded-database.ts): the
 * key store's migrations go into the same database. Scripts and tests may leave out PGlite's
 * shared_buffers (PostgreSQL's default then).
 */
export async function openTraceDatabase(
  database: Omit<DatabaseConfig, 'pgliteSharedBuffersMb'> & {
    pgliteSharedBuffersMb?: number | undefined;
  },
  extraMigrations: readonly Migration[] = [],
): Promise<Database> {
  const migrations = [...traceMigrations, ...extraMigrations];
  if (database.url === undefined && !database.pgliteDir.startsWith('memory://')) {
    return openSharedEmbeddedDatabase(database, migrations);
  }
  const opened = await openDatabase({
    ...(database.url !== undefined ? { url: database.url } : {}),
    pgliteDir: database.pgliteDir,
    statementTimeoutMs: database.statementTimeoutMs,
    maxConnections: database.maxConnections,
    pgliteSharedBuffersMb: database.pgliteSharedBuffersMb,
  });
  try {
    await runMigrations(opened, migrations);
  } catch (error) {
    await opened.close().catch(() => undefined);
    throw error;
  }
  return opened;
}

/** Rows per statement: the configured size, else 2,000 on embedded PGlite and 500 on PostgreSQL. */
export function traceBatchSize(database: DatabaseConfig, traces: TracesConfig): number {
  return traces.batchSize ?? (database.url === undefined ? 2_000 : 500);
}

export function createTraceStore(options: TraceStoreOptions): TraceWriter {
  const spool = createTraceSpool({
    dir: options.traces.spoolDir,
    maxBytes: options.traces.spoolMaxBytes,
  });
  const writerOptions = {
    connect: () => openTraceDatabase(options.database, options.extraMigrations),
    spool,
    batchSize: traceBatchSize(options.database, options.traces),
    flushIntervalMs: options.traces.flushIntervalMs,
    queueLimit: options.traces.queueLimit,
    retryDelayMs: options.retryDelayMs ?? options.traces.retryDelayMs,
    ...(options.onError ? { onError: options.onError } : {}),
  };
  // Queued rows take the form their statement takes, a part at a time: COPY text on embedded
  // PGlite, the INSERT's array-literal fragments on PostgreSQL.
  return options.database.url === undefined
    ? createTraceWriter({ ...writerOptions, rows: copyTextParts })
    : createTraceWriter({ ...writerOptions, rows: columnParts });
}
