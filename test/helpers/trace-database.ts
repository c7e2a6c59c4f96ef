// Trace-store targets for tests: a throwaway PostgreSQL schema (search_path in the URL, so parallel
// runs never collide) or a temporary PGlite directory; both with a spool directory and cleanup.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openTraceDatabase } from '../../src/trace-store/create-trace-store.js';
import type { Database } from '../../src/trace-store/database.js';

export const postgresUrl =
  process.env.SWITCHYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TraceTarget {
  kind: 'postgres' | 'pglite';
  /** The `database` config section for the gateway. */
  database: { url?: string; pgliteDir: string };
  spoolDir: string;
  /** Opens the same database (for PGlite: only while no gateway has it open). */
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

export function withSearchPath(url: string, schema: string): string {
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export async function createTraceTarget(kind: 'postgres' | 'pglite'): Promise<TraceTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-traces-'));
  const spoolDir = join(dir, 'spool');
  if (kind === 'pglite') {
    const database = { pgliteDir: join(dir, 'pglite') };
    return {
      kind,
      database,
      spoolDir,
      open: () => openTraceDatabase({ ...database, maxConnections: 1, statementTimeoutMs: 10_000 }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const schema = `traces_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const database = { url: withSearchPath(postgresUrl, schema), pgliteDir: join(dir, 'unused') };
  return {
    kind,
    database,
    spoolDir,
    open: () => openTraceDatabase({ ...database, maxConnections: 2, statementTimeoutMs: 10_000 }),
    async cleanup() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
