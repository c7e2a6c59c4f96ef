// One embedded database per directory per process: its owners share one child process, each with
// its own migrations and its own close; a lost child is replaced by the first reopen.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from './database.js';
import {
  openSharedEmbeddedDatabase,
  sharedEmbeddedDatabaseCount,
} from './share-embedded-database.js';

/** This process's children that serve a PGlite database (Linux). */
function pgliteChildren(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
        return (
          ppid === process.pid &&
          state !== 'Z' &&
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('pglite-child')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alpha = [{ id: '901-alpha', sql: 'CREATE TABLE alpha (id int PRIMARY KEY)' }];
const beta = [{ id: '902-beta', sql: 'CREATE TABLE beta (id int PRIMARY KEY)' }];

async function withDirectory(work: (dir: string) => Promise<void>): Promise<void> {
  const parent = await mkdtemp(join(tmpdir(), 'switchyard-shared-db-'));
  try {
    await work(join(parent, 'pglite'));
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

describe('openSharedEmbeddedDatabase', () => {
  it('gives two owners of one directory one child process, each with its migrations applied', async () => {
    await withDirectory(async (dir) => {
      const before = sharedEmbeddedDatabaseCount();
      // Opened at once: the second waits for the first's child, and the migrations run in turn.
      const [first, second] = await Promise.all([
        openSharedEmbeddedDatabase({ pgliteDir: dir }, alpha),
        openSharedEmbeddedDatabase({ pgliteDir: dir }, beta),
      ]);
      try {
        assert.equal(sharedEmbeddedDatabaseCount(), before + 1);
        if (existsSync('/proc/self/stat')) assert.equal(pgliteChildren().length, 1);
        await first.exec('INSERT INTO beta VALUES (1)');
        await second.exec('INSERT INTO alpha VALUES (2)');
        const { rows } = await second.query<{ id: number }>(
          'SELECT id FROM alpha UNION ALL SELECT id FROM beta ORDER BY id',
        );
        assert.deepEqual(rows, [{ id: 1 }, { id: 2 }]);
        const applied = await first.query<{ id: string }>(
          "SELECT id FROM switchyard_migrations WHERE id LIKE '90%' ORDER BY id",
        );
        assert.deepEqual(
          applied.rows.map((row) => row.id),
          ['901-alpha', '902-beta'],
        );

        // One owner closing leaves the other's database open; its own handle refuses.
        await first.close();
        await assert.rejects(first.query('SELECT 1'), /was closed/);
        assert.equal(existsSync(`${dir}.lock`), true, 'still locked while an owner remains');
        assert.deepEqual((await second.query('SELECT count(*)::int AS n FROM alpha')).rows, [
          { n: 1 },
        ]);
      } finally {
        await first.close();
        await second.close();
      }
      assert.equal(sharedEmbeddedDatabaseCount(), before);
      assert.equal(existsSync(`${dir}.lock`), false, 'the last close releases the directory');
      if (existsSync('/proc/self/stat')) assert.deepEqual(pgliteChildren(), []);

      // Opened again: a new child over the same data.
      const again = await openSharedEmbeddedDatabase({ pgliteDir: dir }, alpha);
      try {
        assert.deepEqual((await again.query('SELECT id FROM beta')).rows, [{ id: 1 }]);
      } finally {
        await again.close();
      }
    });
  });

  it(
    'tells every owner when the child is killed, and their reopens share one new child (Linux)',
    { skip: !existsSync('/proc/self/stat') },
    async () => {
      await withDirectory(async (dir) => {
        const owners: Database[] = [
          await openSharedEmbeddedDatabase({ pgliteDir: dir }, alpha),
          await openSharedEmbeddedDatabase({ pgliteDir: dir }, beta),
        ];
        await owners[0]!.exec('INSERT INTO alpha VALUES (5)');
        const [child] = pgliteChildren();
        assert.ok(child);
        // Each owner does what the trace writer and the key store do: close the lost handle, then
        // open the directory again.
        const reopened = owners.map(
          (owner, index) =>
            new Promise<Database>((resolve, reject) => {
              owner.onLost?.(() => {
                void owner
                  .close()
                  .then(() => openSharedEmbeddedDatabase({ pgliteDir: dir }, [alpha, beta][index]!))
                  .then(resolve, reject);
              });
            }),
        );
        // An idle database does not keep the process alive (the gateway's server does): this
        // timer stands in for it while the child's end is noticed.
        const alive = setInterval(() => undefined, 1_000);
        process.kill(child, 'SIGKILL');
        const [first, second] = await Promise.all(reopened).finally(() => clearInterval(alive));
        try {
          const children = pgliteChildren();
          assert.equal(children.length, 1, `one new child: ${children.join(' ')}`);
          assert.notEqual(children[0], child);
          assert.deepEqual((await second!.query('SELECT id FROM alpha')).rows, [{ id: 5 }]);
          await assert.rejects(owners[0]!.query('SELECT 1'), /was closed/);
        } finally {
          await first!.close();
          await second!.close();
        }
        // The child ends a little after its reply to close.
        for (let tries = 0; tries < 50 && pgliteChildren().length > 0; tries += 1) await sleep(20);
        assert.deepEqual(pgliteChildren(), []);
        assert.equal(existsSync(`${dir}.lock`), false);
      });
    },
  );

  it('releases its share when a migration fails, and the directory stays usable', async () => {
    await withDirectory(async (dir) => {
      const before = sharedEmbeddedDatabaseCount();
      await assert.rejects(
        openSharedEmbeddedDatabase({ pgliteDir: dir }, [
          { id: '903-broken', sql: 'CREATE TABLE nonsense (' },
        ]),
        /syntax error/,
      );
      assert.equal(sharedEmbeddedDatabaseCount(), before);
      assert.equal(existsSync(`${dir}.lock`), false);
      const database = await openSharedEmbeddedDatabase({ pgliteDir: dir }, alpha);
      try {
        assert.deepEqual((await database.query('SELECT count(*)::int AS n FROM alpha')).rows, [
          { n: 0 },
        ]);
      } finally {
        await database.close();
      }
    });
  });
});
