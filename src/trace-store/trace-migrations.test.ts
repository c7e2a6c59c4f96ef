// The trace table's indexes are the ones its readers use: time (reports, dashboard) and the unique
// request id (a replayed batch never doubles). Every other index is a write on every request.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTraceTarget, type TraceTarget } from '../../test/helpers/trace-database.js';
import { openDatabase, runMigrations, type Database } from './database.js';
import { traceMigrations } from './trace-migrations.js';

async function traceIndexes(database: Database): Promise<string[]> {
  const { rows } = await database.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes
      WHERE tablename = 'llm_traces' AND schemaname = current_schema()
      ORDER BY indexname`,
  );
  return rows.map((row) => row.indexname);
}

const readIndexes = ['llm_traces_request_id_key', 'llm_traces_time_idx'];

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`llm_traces indexes (${kind})`, () => {
    let target: TraceTarget;

    before(async () => {
      target = await createTraceTarget(kind);
    });

    after(async () => {
      await target?.cleanup();
    });

    it('a store upgraded from migration 004 keeps only the time and request-id indexes', async () => {
      // As a gateway before migration 005 left it: the per-feature, user and key indexes too.
      const database = await openDatabase({
        ...(target.database.url !== undefined ? { url: target.database.url } : {}),
        pgliteDir: target.database.pgliteDir,
        statementTimeoutMs: 10_000,
        maxConnections: 1,
      });
      try {
        await runMigrations(
          database,
          traceMigrations.filter((migration) => migration.id < '005'),
        );
        assert.deepEqual(await traceIndexes(database), [
          'llm_traces_feature_time_idx',
          'llm_traces_key_time_idx',
          ...readIndexes,
          'llm_traces_user_time_idx',
        ]);
        // The next start applies what is missing.
        assert.deepEqual(await runMigrations(database, traceMigrations), [
          '005-llm-traces-drop-dimension-indexes',
        ]);
        assert.deepEqual(await traceIndexes(database), readIndexes);
      } finally {
        await database.close();
      }
    });
  });
}
