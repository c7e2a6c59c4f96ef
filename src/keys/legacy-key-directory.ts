// Until the tenth session the embedded key store had a PGlite database of its own, in the sibling
// directory `<pgliteDir>-keys` (a second child process, ~190-260 MB). Keys now live in the one
// embedded database. At start, a `-keys` directory left by an earlier version is read once: its keys
// are copied in (a key already there, by id or hash, is kept as it is) and the directory is renamed
// to `<pgliteDir>-keys.imported`, so it is not read again. If the copy fails, the directory stays
// as it was and the next start tries again.

import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../trace-store/database.js';
import { openSharedEmbeddedDatabase } from '../trace-store/share-embedded-database.js';
import { keyMigrations } from './key-migrations.js';
import { keyColumns } from './key-store.js';

/** The directory an earlier version kept the embedded keys in (its very formula). */
export function legacyKeyDirectory(pgliteDir: string): string {
  return `${pgliteDir}-keys`;
}

/**
 * Copies the keys of `<pgliteDir>-keys` (when it holds a database) into `into` and renames the
 * directory. Resolves to what was done: undefined when there was nothing to import.
 */
export async function importLegacyKeyDirectory(
  into: Database,
  pgliteDir: string,
): Promise<{ from: string; renamedTo: string; keys: number; imported: number } | undefined> {
  const from = legacyKeyDirectory(pgliteDir);
  if (!existsSync(join(from, 'PG_VERSION'))) return undefined;
  const legacy = await openSharedEmbeddedDatabase({ pgliteDir: from }, keyMigrations);
  let keys = 0;
  let imported = 0;
  try {
    const { rows } = await legacy.query<Record<string, unknown>>(
      `SELECT ${keyColumns} FROM gateway_keys ORDER BY created_at, id`,
    );
    keys = rows.length;
    for (const row of rows) {
      const { rows: inserted } = await into.query(
        `INSERT INTO gateway_keys (${keyColumns})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13)
         ON CONFLICT DO NOTHING RETURNING id`,
        [
          row.id,
          row.key_hash,
          row.key_prefix,
          row.name,
          row.user_id,
          row.team,
          row.tier,
          row.models === null || row.models === undefined ? null : JSON.stringify(row.models),
          row.region,
          row.residency,
          row.daily_usd,
          row.created_at,
          row.revoked_at,
        ],
      );
      imported += inserted.length;
    }
  } finally {
    await legacy.close();
  }
  let renamedTo = `${from}.imported`;
  if (existsSync(renamedTo)) renamedTo = `${from}.imported-${Date.now()}`;
  await rename(from, renamedTo);
  return { from, renamedTo, keys, imported };
}
