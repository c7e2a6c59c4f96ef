// Contract suite every Database implementation runs (PGlite and PostgreSQL).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runMigrations, type Database } from './database.js';

export function databaseContract(name: string, open: () => Promise<Database>, table: string): void {
  describe(`Database contract: ${name}`, () => {
    it('runs parameterised queries and scripts', async () => {
      const database = await open();
      try {
        await database.exec(
          `DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY, name text)`,
        );
        await database.query(`INSERT INTO ${table} (id, name) VALUES ($1, $2), ($3, $4)`, [
          1,
          'a',
          2,
          'b',
        ]);
        const { rows } = await database.query<{ id: number; name: string }>(
          `SELECT id, name FROM ${table} WHERE id > $1 ORDER BY id`,
          [0],
        );
        assert.deepEqual(rows, [
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
        ]);
        await database.exec(`DROP TABLE ${table}`);
      } finally {
        await database.close();
      }
    });

    it('applies each migration once, in id order', async () => {
      const database = await open();
      try {
        await database
          .exec(
            `DROP TABLE IF EXISTS ${table}_m; DELETE FROM switchyard_migrations WHERE id LIKE 'test-${table}-%'`,
          )
          .catch(() => undefined);
        const migrations = [
          { id: `test-${table}-2`, sql: `INSERT INTO ${table}_m VALUES (2)` },
          { id: `test-${table}-1`, sql: `CREATE TABLE ${table}_m (v int)` },
        ];
        assert.deepEqual(await runMigrations(database, migrations), [
          `test-${table}-1`,
          `test-${table}-2`,
        ]);
        assert.deepEqual(await runMigrations(database, migrations), []);
        const { rows } = await database.query<{ v: number }>(`SELECT v FROM ${table}_m`);
        assert.deepEqual(rows, [{ v: 2 }]);
        await database.exec(
          `DROP TABLE ${table}_m; DELETE FROM switchyard_migrations WHERE id LIKE 'test-${table}-%'`,
        );
      } finally {
        await database.close();
      }
    });
  });
}
