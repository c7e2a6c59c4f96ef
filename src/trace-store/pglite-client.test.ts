// The embedded database on a worker thread: a new directory is created by a thread that then ends
// (its initdb memory goes with it), and the database a fresh thread opens has what was created.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openPgliteInWorker } from './pglite-client.js';

describe('openPgliteInWorker', () => {
  it('creates a new database in a thread of its own, then serves it from a fresh thread; an existing one opens once', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'switchyard-pglite-client-'));
    const dir = join(parent, 'db');
    try {
      let created = 0;
      const first = await openPgliteInWorker(dir, { onCreated: () => (created += 1) });
      assert.equal(created, 1);
      assert.ok(existsSync(join(dir, 'PG_VERSION')));
      await first.exec('CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (7)');
      await first.close();

      const second = await openPgliteInWorker(dir, { onCreated: () => (created += 1) });
      try {
        assert.equal(created, 1, 'an existing database is not created again');
        const { rows } = await second.query<{ id: number }>('SELECT id FROM kept');
        assert.deepEqual(rows, [{ id: 7 }]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it("runs with the shared_buffers it is given, else PostgreSQL's 128 MB", async () => {
    const sized = await openPgliteInWorker('memory://', { sharedBuffersMb: 24 });
    try {
      const { rows } = await sized.query<{ shared_buffers: string }>('SHOW shared_buffers');
      assert.deepEqual(rows, [{ shared_buffers: '24MB' }]);
    } finally {
      await sized.close();
    }
    const plain = await openPgliteInWorker('memory://');
    try {
      const { rows } = await plain.query<{ shared_buffers: string }>('SHOW shared_buffers');
      assert.deepEqual(rows, [{ shared_buffers: '128MB' }]);
    } finally {
      await plain.close();
    }
  });

  it('keeps an in-memory database in one thread (nothing to reopen)', async () => {
    let created = 0;
    const database = await openPgliteInWorker('memory://', { onCreated: () => (created += 1) });
    try {
      assert.equal(created, 0);
      const { rows } = await database.query<{ one: number }>('SELECT 1 AS one');
      assert.deepEqual(rows, [{ one: 1 }]);
    } finally {
      await database.close();
    }
  });
});
