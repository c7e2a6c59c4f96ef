// The trace store's batch size: what the config says, else a size fitted to the store.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load-config.js';
import { traceBatchSize } from './create-trace-store.js';

const configWith = (extra: Record<string, unknown>) =>
  parseConfig(
    {
      providers: { upstream: { type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'x' } },
      models: { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
      ...extra,
    },
    {},
  );

describe('traceBatchSize', () => {
  it('writes 2,000-row statements on embedded PGlite and 500-row ones on PostgreSQL by default', () => {
    const embedded = configWith({});
    assert.equal(traceBatchSize(embedded.database, embedded.traces), 2_000);
    const postgres = configWith({ database: { url: 'postgres://127.0.0.1:5432/x' } });
    assert.equal(traceBatchSize(postgres.database, postgres.traces), 500);
  });

  it('keeps a configured size on either store', () => {
    const embedded = configWith({ traces: { batchSize: 100 } });
    assert.equal(traceBatchSize(embedded.database, embedded.traces), 100);
    const postgres = configWith({
      database: { url: 'postgres://127.0.0.1:5432/x' },
      traces: { batchSize: 1_500 },
    });
    assert.equal(traceBatchSize(postgres.database, postgres.traces), 1_500);
  });
});
