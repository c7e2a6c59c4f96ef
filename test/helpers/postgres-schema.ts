// A throwaway PostgreSQL schema per test run: a database URL whose search_path points at it, and a
// drop() that removes it with everything in it.

import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const testDatabaseUrl =
  process.env.SWITCHYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  name: string;
  /** The database URL with `search_path` set to the schema. */
  url: string;
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

export async function createTestSchema(label: string): Promise<TestSchema> {
  const name = `${label}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA ${name}`);
  await client.query(`SET search_path TO ${name}`);
  const separator = testDatabaseUrl.includes('?') ? '&' : '?';
  return {
    name,
    url: `${testDatabaseUrl}${separator}options=${encodeURIComponent(`-c search_path=${name}`)}`,
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as Row[];
    },
    async drop() {
      await client.query(`DROP SCHEMA ${name} CASCADE`);
      await client.end();
    },
  };
}
