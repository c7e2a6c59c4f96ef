// The keys table (migration ids 1xx). Only the SHA-256 of each secret is stored.

import type { Migration } from '../trace-store/database.js';

export const keyMigrations: readonly Migration[] = [
  {
    id: '101-gateway-keys',
    sql: `
CREATE TABLE IF NOT EXISTS gateway_keys (
  id text PRIMARY KEY,
  key_hash text NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  name text,
  user_id text,
  team text,
  tier text,
  models jsonb,
  region text,
  daily_usd double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
)`,
  },
  {
    id: '102-gateway-keys-residency',
    sql: 'ALTER TABLE gateway_keys ADD COLUMN IF NOT EXISTS residency text',
  },
];
