// The embedded database on a worker thread: a new directory is created by a thread that then ends
// (its initdb memory goes with it), and the database a fresh thread opens has what was created.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openPgliteInWorker, pgliteThreadNiceness } from './pglite-client.js';

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

  it(
    'serves from a thread at a lower CPU priority than the event loop (Linux)',
    { skip: !existsSync('/proc/thread-self') },
    async () => {
      // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value.
      const niceOf = (tid: string) => {
        const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const niceOfThreads = () => readdirSync(`/proc/${process.pid}/task`).map(niceOf);
      // The main thread's id is the process id. A process already at that niceness or lower
      // priority (a niced CI job) has no lower priority to give the thread.
      if (niceOf(String(process.pid)) >= pgliteThreadNiceness) return;
      assert.ok(!niceOfThreads().includes(pgliteThreadNiceness), 'no such thread before');
      const database = await openPgliteInWorker('memory://');
      try {
        assert.ok(niceOfThreads().includes(pgliteThreadNiceness), niceOfThreads().join(' '));
        const { rows } = await database.query<{ one: number }>('SELECT 1 AS one');
        assert.deepEqual(rows, [{ one: 1 }]);
        assert.ok(
          niceOf(String(process.pid)) < pgliteThreadNiceness,
          'the event loop keeps its own',
        );
      } finally {
        await database.close();
      }
    },
  );

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
