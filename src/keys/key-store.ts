// Virtual keys in PostgreSQL / PGlite: create (returns the secret once), list, revoke, find by hash.

import type { Database } from '../trace-store/database.js';
import { runMigrations } from '../trace-store/database.js';
import { keyMigrations } from './key-migrations.js';
import {
  displayPrefix,
  generateKeyId,
  generateKeySecret,
  hashKeySecret,
  type VirtualKey,
} from './virtual-key.js';

export interface NewKey {
  name?: string;
  user?: string;
  team?: string;
  tier?: string;
  models?: string[];
  region?: string;
  residency?: 'off' | 'prefer' | 'strict';
  dailyUsd?: number;
}

export interface StoredKey {
  key: VirtualKey;
  hashHex: string;
}

export interface KeyStore {
  create(input: NewKey): Promise<{ key: VirtualKey; secret: string }>;
  list(options?: { includeRevoked?: boolean }): Promise<VirtualKey[]>;
  /** Marks the key revoked; undefined when no such key. Idempotent. */
  revoke(id: string): Promise<VirtualKey | undefined>;
  findByHash(hashHex: string): Promise<StoredKey | undefined>;
}

interface KeyRow {
  id: string;
  key_hash: string;
  key_prefix: string;
  name: string | null;
  user_id: string | null;
  team: string | null;
  tier: string | null;
  models: unknown;
  region: string | null;
  residency: string | null;
  daily_usd: number | null;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

/** The columns of gateway_keys, in the order the store reads them. */
export const keyColumns =
  'id, key_hash, key_prefix, name, user_id, team, tier, models, region, residency, daily_usd, created_at, revoked_at';

function toIso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

function fromRow(row: KeyRow): VirtualKey {
  const models = typeof row.models === 'string' ? (JSON.parse(row.models) as unknown) : row.models;
  return {
    id: row.id,
    prefix: row.key_prefix,
    source: 'database',
    createdAt: toIso(row.created_at),
    ...(row.name !== null ? { name: row.name } : {}),
    ...(row.user_id !== null ? { user: row.user_id } : {}),
    ...(row.team !== null ? { team: row.team } : {}),
    ...(row.tier !== null ? { tier: row.tier } : {}),
    ...(Array.isArray(models) ? { models: models.map(String) } : {}),
    ...(row.region !== null ? { region: row.region } : {}),
    ...(row.residency === 'off' || row.residency === 'prefer' || row.residency === 'strict'
      ? { residency: row.residency }
      : {}),
    ...(row.daily_usd !== null ? { dailyUsd: Number(row.daily_usd) } : {}),
    ...(row.revoked_at !== null ? { revokedAt: toIso(row.revoked_at) } : {}),
  };
}

/** Applies the keys migrations, then returns the store. */
export async function createKeyStore(database: Database): Promise<KeyStore> {
  await runMigrations(database, keyMigrations);
  return {
    async create(input) {
      if (!input.user && !input.team) throw new Error('a key needs a user or a team');
      const secret = generateKeySecret();
      const { rows } = await database.query<KeyRow>(
        `INSERT INTO gateway_keys (id, key_hash, key_prefix, name, user_id, team, tier, models, region, residency, daily_usd)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${keyColumns}`,
        [
          generateKeyId(),
          hashKeySecret(secret).toString('hex'),
          displayPrefix(secret),
          input.name ?? null,
          input.user ?? null,
          input.team ?? null,
          input.tier ?? null,
          input.models ? JSON.stringify(input.models) : null,
          input.region ?? null,
          input.residency ?? null,
          input.dailyUsd ?? null,
        ],
      );
      const row = rows[0];
      if (!row) throw new Error('key insert returned no row');
      return { key: fromRow(row), secret };
    },
    async list(options = {}) {
      const where = options.includeRevoked ? '' : 'WHERE revoked_at IS NULL';
      const { rows } = await database.query<KeyRow>(
        `SELECT ${keyColumns} FROM gateway_keys ${where} ORDER BY created_at, id`,
      );
      return rows.map(fromRow);
    },
    async revoke(id) {
      await database.query(
        'UPDATE gateway_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
        [id],
      );
      const { rows } = await database.query<KeyRow>(
        `SELECT ${keyColumns} FROM gateway_keys WHERE id = $1`,
        [id],
      );
      return rows[0] ? fromRow(rows[0]) : undefined;
    },
    async findByHash(hashHex) {
      const { rows } = await database.query<KeyRow>(
        `SELECT ${keyColumns} FROM gateway_keys WHERE key_hash = $1`,
        [hashHex],
      );
      const row = rows[0];
      return row ? { key: fromRow(row), hashHex: row.key_hash } : undefined;
    },
  };
}
