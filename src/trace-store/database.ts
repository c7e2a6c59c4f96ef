// One SQL interface over PostgreSQL (pg Pool) and embedded PGlite, so both run the same SQL.

import { mkdir } from 'node:fs/promises';
import { openPgliteInChildProcess } from './pglite-client.js';

export interface QueryResult<Row> {
  rows: Row[];
}

/** A piece of a COPY's text: a string, or its UTF-8 bytes (held off the JS heap). */
export type CopyPart = string | Uint8Array;

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** Parameterised query ($1, $2, …). */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `work` on one connection (pg: a client checked out of the pool), for session state such
   * as advisory locks that must be taken and released on the same connection.
   */
  withConnection<T>(work: (connection: Database) => Promise<T>): Promise<T>;
  /**
   * Embedded PGlite only: runs `sql`, a `COPY … FROM '/dev/blob'` statement, over `parts` (COPY's
   * text format, as text or its UTF-8 bytes, read one after the other as one text), as one
   * statement: every row lands or none does.
   */
  copyFrom?(sql: string, parts: readonly CopyPart[]): Promise<void>;
  /**
   * Embedded PGlite only: `listener` is called once if the process serving the database ends
   * without being closed (it crashed, or was killed). The object then refuses every statement; its
   * owner closes it and opens a new one.
   */
  onLost?(listener: (error: Error) => void): void;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… — when absent, an embedded PGlite database in `pgliteDir`. */
  url?: string;
  /** Directory of the embedded database; 'memory://' keeps it in memory (tests). */
  pgliteDir: string;
  /** Bound on every statement, so a stuck database never hangs a caller. */
  statementTimeoutMs?: number;
  /** pg Pool size. */
  maxConnections?: number;
  /** Embedded PGlite's shared_buffers in MB; absent → PostgreSQL's default (128). */
  pgliteSharedBuffersMb?: number | undefined;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      query_timeout: (options.statementTimeoutMs ?? 30_000) + 1_000,
    });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    const database: Database = {
      kind: 'postgres',
      async query<Row>(sql: string, params: unknown[] = []) {
        const result = await pool.query(sql, params);
        return { rows: result.rows as Row[] };
      },
      async exec(sql) {
        await pool.query(sql);
      },
      async withConnection(work) {
        const client = await pool.connect();
        // A failed session (e.g. a dropped connection) must not go back into the pool.
        let broken: Error | undefined;
        try {
          return await work({
            kind: 'postgres',
            async query<Row>(sql: string, params: unknown[] = []) {
              const result = await client.query(sql, params);
              return { rows: result.rows as Row[] };
            },
            async exec(sql) {
              await client.query(sql);
            },
            withConnection: (inner) => inner(database),
            close: async () => undefined,
          });
        } catch (error) {
          broken = error instanceof Error ? error : new Error(String(error));
          throw error;
        } finally {
          client.release(broken);
        }
      },
      async close() {
        await pool.end();
      },
    };
    return database;
  }
  if (!options.pgliteDir.startsWith('memory://'))
    await mkdir(options.pgliteDir, { recursive: true });
  // Embedded PGlite runs in a child process of its own: its WASM would otherwise run every trace
  // batch and dashboard query on the event loop that serves requests, and its memory would be the
  // gateway's (pglite-client.ts).
  return openPgliteInChildProcess(options.pgliteDir, {
    sharedBuffersMb: options.pgliteSharedBuffersMb,
  });
}

export interface Migration {
  /** Sortable, unique: e.g. '001-llm-traces'. Each owner keeps its own prefix range. */
  id: string;
  sql: string;
}

/**
 * Applies the migrations not applied yet, in id order, each in a transaction. On PostgreSQL an
 * advisory lock makes concurrent replicas starting at once apply each migration exactly once.
 */
export function runMigrations(
  database: Database,
  migrations: readonly Migration[],
): Promise<string[]> {
  // The advisory lock is per session: take and release it on one connection.
  return database.withConnection((connection) => applyMigrations(connection, migrations));
}

async function applyMigrations(
  database: Database,
  migrations: readonly Migration[],
): Promise<string[]> {
  const lockKey = 7_412_001;
  if (database.kind === 'postgres') await database.query('SELECT pg_advisory_lock($1)', [lockKey]);
  try {
    await database.exec(
      'CREATE TABLE IF NOT EXISTS switchyard_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await database.query<{ id: string }>('SELECT id FROM switchyard_migrations');
    const applied = new Set(rows.map((row) => row.id));
    const done: string[] = [];
    for (const migration of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (applied.has(migration.id)) continue;
      try {
        await database.exec(
          `BEGIN;\n${migration.sql}\n;INSERT INTO switchyard_migrations (id) VALUES ('${migration.id.replace(/'/g, "''")}');\nCOMMIT;`,
        );
      } catch (error) {
        await database.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
      done.push(migration.id);
    }
    return done;
  } finally {
    if (database.kind === 'postgres')
      await database.query('SELECT pg_advisory_unlock($1)', [lockKey]);
  }
}
