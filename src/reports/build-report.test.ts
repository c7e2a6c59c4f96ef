// The report's numbers from known rows, on PGlite and on PostgreSQL (same SQL), and the CLI around it.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createTraceTarget, type TraceTarget } from '../../test/helpers/trace-database.js';
import { traceRecord } from '../../test/helpers/trace-record.js';
import { createProgram } from '../cli/create-program.js';
import type { TraceRecord } from '../telemetry/build-trace-record.js';
import type { Database } from '../trace-store/database.js';
import { insertTraces } from '../trace-store/insert-traces.js';
import { buildReport, parseSince } from './build-report.js';
import { formatReport } from './format-report.js';

const now = Date.now();

function record(overrides: Partial<TraceRecord>): TraceRecord {
  return traceRecord({ time: new Date(now - 3_600_000).toISOString(), ...overrides });
}

const fixtures: TraceRecord[] = [
  // search: $6 over 4 rows (one streamed with TTFT, one a fallback)
  record({ costUsd: 3, totalMs: 100 }),
  record({ costUsd: 1, totalMs: 200, streamed: true, ttftMs: 50 }),
  record({ costUsd: 1, totalMs: 300, streamed: true, ttftMs: 70, user: 'u2' }),
  record({
    costUsd: 1,
    totalMs: 400,
    provider: 'backup',
    attempts: [
      { deployment: 'openai/gpt-4o-mini', provider: 'openai', outcome: 'error', latencyMs: 5 },
      { deployment: 'backup/gpt-4o', provider: 'backup', outcome: 'success', latencyMs: 90 },
    ],
  }),
  // summarize: $3; tag: $1
  record({ feature: 'summarize', costUsd: 3, user: 'u2', routedModel: 'gpt-4o', keyId: 'key_a' }),
  record({ feature: 'tag', costUsd: 1, user: 'u3' }),
  // a cache hit (cost 0, saved $0.5) and a lookup miss
  record({ feature: 'tag', costUsd: 0, cacheSavedUsd: 0.5, cacheStatus: 'hit', attempts: [] }),
  record({ feature: 'tag', costUsd: 0.25, cacheStatus: 'miss' }),
  // an unpriced self-hosted call and a failed request
  record({ feature: 'chat', costUsd: null, provider: 'vllm', routedModel: 'llama' }),
  record({
    feature: 'chat',
    costUsd: 0,
    status: 503,
    errorCode: 'upstream_unavailable',
    inputTokens: 0,
    outputTokens: 0,
    routedModel: null,
    provider: null,
    deployment: null,
  }),
  // outside the window
  record({ time: new Date(now - 10 * 86_400_000).toISOString(), costUsd: 100 }),
];

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`report (${kind})`, () => {
    let target: TraceTarget;
    let database: Database;

    before(async () => {
      target = await createTraceTarget(kind);
      database = await target.open();
      await insertTraces(database, fixtures);
    });

    after(async () => {
      await database?.close();
      await target?.cleanup();
    });

    it('adds up spend, the 80/20, latency, cache savings and fallbacks', async () => {
      const report = await buildReport(database, { since: parseSince('7d') });
      assert.equal(report.totals.requests, 10);
      assert.ok(Math.abs(report.totals.costUsd - 10.25) < 1e-9);
      assert.equal(report.totals.unpricedRequests, 1);
      assert.equal(report.totals.errors, 1);
      assert.deepEqual(
        report.spend.feature.map((row) => [row.name, row.requests, row.costUsd]),
        [
          ['search', 4, 6],
          ['summarize', 1, 3],
          ['tag', 3, 1.25],
          ['chat', 2, 0],
        ],
      );
      assert.deepEqual(
        report.spend.user.map((row) => [row.name, row.costUsd]),
        [
          ['u1', 5.25],
          ['u2', 4],
          ['u3', 1],
        ],
      );
      assert.equal(report.spend.model[0]?.name, 'gpt-4o-mini');
      assert.deepEqual(
        report.spend.key.map((row) => row.name),
        ['(none)', 'key_a'],
      );
      assert.equal(report.spend.provider.find((row) => row.name === 'vllm')?.unpricedRequests, 1);
      // 80/20: search (58.5 %) + summarize (87.8 %).
      assert.deepEqual(
        report.pareto.features.map((feature) => feature.name),
        ['search', 'summarize'],
      );
      assert.equal(report.pareto.featureCount, 4);
      assert.deepEqual(report.latencyMs.ttft, { p50: 60, p95: 69, p99: 69.8, count: 2 });
      assert.equal(report.latencyMs.total.count, 9);
      assert.equal(report.latencyMs.total.p50, 100);
      assert.deepEqual(report.cache, { lookups: 2, hits: 1, hitRate: 0.5, savedUsd: 0.5 });
      assert.equal(report.fallbacks.fallbacks, 1);
      assert.equal(report.fallbacks.requests, 9);
      assert.deepEqual(
        report.daily.map((day) => day.requests).reduce((a, b) => a + b, 0),
        10,
      );
      const text = formatReport(report);
      assert.match(text, /Spend by feature/);
      assert.match(text, /80\/20: 2 of 4 feature\(s\) make 87\.8% of spend: search \(\$6\.00\)/);
      assert.match(text, /1 request\(s\) used a model with no known price/);
    });

    it('switchyard report --json and the table output through the CLI', async () => {
      // PGlite allows one process at a time: the CLI opens the directory after this suite's handle.
      if (kind === 'pglite') await database.close();
      const run = async (args: string[]) => {
        let out = '';
        let err = '';
        const sink = (append: (text: string) => void) =>
          new Writable({
            write(chunk: Buffer, _encoding, callback) {
              append(chunk.toString());
              callback();
            },
          });
        let code = 0;
        const program = createProgram({
          env: {},
          cwd: process.cwd(),
          stdout: sink((text) => (out += text)),
          stderr: sink((text) => (err += text)),
          onSignal: () => undefined,
          exit: (value) => {
            code = value;
          },
        });
        program.exitOverride();
        const location =
          kind === 'pglite'
            ? ['--pglite-dir', target.database.pgliteDir]
            : ['--database-url', target.database.url as string];
        await program.parseAsync(['node', 'switchyard', 'report', ...location, ...args]);
        return { out, err, code };
      };
      const json = await run(['--json', '--since', '7d']);
      assert.equal(json.code, 0, json.err);
      const parsed = JSON.parse(json.out) as { totals: { requests: number } };
      assert.equal(parsed.totals.requests, 10);
      const table = await run(['--since', '30d', '--top', '2']);
      assert.match(table.out, /11 requests/);
      const bad = await run(['--since', 'yesterday-ish']);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /--since/);
      if (kind === 'pglite') database = await target.open();
    });
  });
}
