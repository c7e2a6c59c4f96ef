// What one trace row costs embedded PGlite as its table grows: COPY batches of 500 rows (as the
// trace writer sends them, with every migration's indexes and both rollup triggers) into a new
// database in a temp directory, in this process, and the process CPU per row for each 100,000.
// Compares shared_buffers sizes and request-id kinds (random v4 against time-ordered v7).
//
//   node --import tsx bench/traces/pglite-row-cost.ts [--rows 600000] [--shared-buffers-mb 32] [--ids v7]

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { timeOrderedId } from '../../src/lib/time-ordered-id.js';
import { dashboardMigrations } from '../../src/reports/dashboard-migrations.js';
import type { TraceRecord } from '../../src/telemetry/build-trace-record.js';
import { copyRows, copySql } from '../../src/trace-store/insert-traces.js';
import { traceMigrations } from '../../src/trace-store/trace-migrations.js';
import { traceRecord } from '../../test/helpers/trace-record.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '600000' },
    'shared-buffers-mb': { type: 'string' },
    ids: { type: 'string', default: 'v7' },
  },
});
const rows = Number(values.rows);
const batch = 500;
const sharedBuffersMb = values['shared-buffers-mb'];
const start = Date.now() - rows * 3;

/** The test suite's plain successful chat row, varied per index as a busy gateway's would be. */
function record(index: number): TraceRecord {
  const time = start + index * 3;
  return traceRecord({
    time: new Date(time).toISOString(),
    requestId: values.ids === 'v4' ? randomUUID() : timeOrderedId(time),
    keyId: `key_${index % 20}`,
    user: `user_${index % 300}`,
    feature: `feature_${index % 10}`,
    ttftMs: 1 + (index % 50) / 10,
    totalMs: 2 + (index % 90) / 10,
  });
}

const directory = mkdtempSync(join(tmpdir(), 'switchyard-pglite-rows-'));
try {
  const lite = new PGlite(
    join(directory, 'db'),
    sharedBuffersMb === undefined
      ? {}
      : {
          startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`],
        },
  );
  await lite.waitReady;
  const migrations = [...traceMigrations, ...dashboardMigrations];
  migrations.sort((a, b) => a.id.localeCompare(b.id));
  for (const migration of migrations) await lite.exec(migration.sql);
  await lite.exec(`SET switchyard.daily_rollup = 'trigger'`);
  const perStep: string[] = [];
  let cpu = process.cpuUsage();
  for (let first = 0; first < rows; first += batch) {
    const records = Array.from({ length: batch }, (_, offset) => record(first + offset));
    await lite.query(copySql, [], { blob: new Blob([copyRows(records)]) });
    if ((first + batch) % 100_000 === 0) {
      const used = process.cpuUsage(cpu);
      perStep.push(
        `${(first + batch) / 1000}k: ${((used.user + used.system) / 100_000).toFixed(0)}`,
      );
      cpu = process.cpuUsage();
    }
  }
  console.log(
    `ids ${values.ids}, shared_buffers ${sharedBuffersMb ?? 128} MB — CPU µs per row, each 100,000 rows:`,
  );
  console.log(perStep.join(' · '));
  await lite.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
