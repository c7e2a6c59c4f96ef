// Fired spend alerts, stored so the dashboard can list them with their time and state. The limits
// code logs and webhooks each alert (src/limits/alert-dispatcher.ts) and publishes it on the
// `switchyard:limits` channel; the gateway subscribes and writes it here (migration 201).

import type { Database, Migration } from '../trace-store/database.js';

export const spendAlertMigrations: readonly Migration[] = [
  {
    id: '201-spend-alerts',
    sql: `
CREATE TABLE IF NOT EXISTS spend_alerts (
  id bigserial PRIMARY KEY,
  time timestamptz NOT NULL,
  cap text NOT NULL,
  threshold_percent real NOT NULL,
  spent_usd double precision NOT NULL,
  limit_usd double precision NOT NULL,
  reset_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS spend_alerts_time_idx ON spend_alerts (time);
`,
  },
];

export interface SpendAlertRecord {
  time: string;
  cap: string;
  thresholdPercent: number;
  spentUsd: number;
  limitUsd: number;
  resetAt: string;
}

export interface StoredSpendAlert extends SpendAlertRecord {
  /** active: the cap's day has not reset yet; reset: the counter has started over since. */
  state: 'active' | 'reset';
}

export async function insertSpendAlerts(
  database: Database,
  alerts: readonly SpendAlertRecord[],
): Promise<void> {
  if (alerts.length === 0) return;
  const params: unknown[] = [];
  const rows = alerts.map((alert) => {
    const base = params.length;
    params.push(
      alert.time,
      alert.cap,
      alert.thresholdPercent,
      alert.spentUsd,
      alert.limitUsd,
      alert.resetAt,
    );
    return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6})`;
  });
  await database.query(
    `INSERT INTO spend_alerts (time, cap, threshold_percent, spent_usd, limit_usd, reset_at) VALUES ${rows.join(', ')}`,
    params,
  );
}

export async function listSpendAlerts(
  database: Database,
  options: { since: Date; limit?: number; now?: Date },
): Promise<StoredSpendAlert[]> {
  const now = options.now ?? new Date();
  const { rows } = await database.query<Record<string, unknown>>(
    `SELECT time, cap, threshold_percent, spent_usd, limit_usd, reset_at
       FROM spend_alerts WHERE time >= $1 ORDER BY time DESC, id DESC LIMIT $2`,
    [options.since.toISOString(), options.limit ?? 100],
  );
  return rows.map((row) => {
    const resetAt = new Date(row.reset_at as string | Date);
    return {
      time: new Date(row.time as string | Date).toISOString(),
      cap: String(row.cap),
      thresholdPercent: Number(row.threshold_percent),
      spentUsd: Number(row.spent_usd),
      limitUsd: Number(row.limit_usd),
      resetAt: resetAt.toISOString(),
      state: resetAt.getTime() > now.getTime() ? 'active' : 'reset',
    };
  });
}
