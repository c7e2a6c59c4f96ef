// Smoke test of `npm run bench:segments`: the harness starts the bare proxy and the gateway with the
// segments preload, runs a short tagged round on each and writes each target's segments. No
// performance assertion: a benchmark measures, a test does not judge speed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../runtime.js';
import { segmentNames, type SegmentSummary } from './segments.js';

const directory = mkdtempSync(join(tmpdir(), 'switchyard-segments-test-'));
after(() => rmSync(directory, { recursive: true, force: true }));

test('bench:segments notes every segment of both targets and writes the summary', async () => {
  const out = join(directory, 'segments.json');
  const args = ['--rate', '100', '--rounds', '1', '--seconds', '0.5', '--out', out];
  const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/segments/run-segments-bench.ts', ...args],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  assert.equal(run.code, 0, run.stderr);
  const results = JSON.parse(readFileSync(out, 'utf8')) as {
    targets: Record<string, SegmentSummary>;
  };
  for (const name of ['bare-proxy', 'gateway']) {
    const summary = results.targets[name];
    assert.ok(summary, `${name} summarised`);
    // 0.5 s at 100 req/s: every measured request noted by both sides.
    assert.equal(summary.count, 50, `${name}: ${summary.count} requests joined`);
    for (const segment of segmentNames) {
      assert.ok(Number.isFinite(summary.p50[segment]), `${name} ${segment} p50`);
      assert.ok(Number.isFinite(summary.slowestMean[segment]), `${name} ${segment} slowest`);
    }
    assert.ok(summary.p50.upstream > 0, `${name}: the upstream call takes time`);
  }
});
