// Runs the Database contract on embedded PGlite and on the real PostgreSQL (127.0.0.1:5432/test).

import { randomBytes } from 'node:crypto';
import { databaseContract } from './database.contract.js';
import { openDatabase } from './database.js';

const suffix = randomBytes(4).toString('hex');

databaseContract(
  'pglite',
  () => openDatabase({ pgliteDir: 'memory://' }),
  `contract_lite_${suffix}`,
);
databaseContract(
  'postgres',
  () =>
    openDatabase({
      url: process.env.SWITCHYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      pgliteDir: 'unused',
    }),
  `contract_pg_${suffix}`,
);
