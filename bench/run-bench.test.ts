// Smoke test of `npm run bench`: the harness runs end to end in --quick mode against the emulator,
// the bare proxy and the gateway (each in its own process) and writes well-formed figures for each.
// No performance assertion: a benchmark measures, a test does not judge speed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from './runtime.js';

const directory = mkdtempSync(join(tmpdir(), 'switchyard-bench-test-'));
after(() => rmSync(directory, { recursive: true, force: true }));

function runBench(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run-bench.ts', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function assertLatency(summary: unknown, where: string): void {
  const value = summary as Record<string, number>;
  for (const key of ['p50', 'p90', 'p99', 'max', 'mean']) {
    assert.ok(
      Number.isFinite(value[key]) && (value[key] as number) >= 0,
      `${where}.${key} = ${value[key]}`,
    );
  }
  assert.ok((value.p50 as number) <= (value.p99 as number), `${where}: p50 <= p99`);
}

// The two core scenarios only, to stay near 20 s (each extra scenario with its own upstream kind
// starts three more processes); `npm run bench -- --quick --scenario NAME` smoke-tests another.
test('bench --quick measures every target of the core scenarios and writes well-formed results', async () => {
  const out = join(directory, 'results.json');
  // Two rounds: each target's runs interleave with the others' and are pooled.
  const run = await runBench([
    '--quick',
    '--rounds',
    '2',
    '--scenario',
    'chat,chat-stream',
    '--out',
    out,
  ]);
  assert.equal(run.code, 0, `bench exited ${run.code}\n${run.stderr}`);
  assert.match(run.stdout, /SPEC §3 targets/);
  assert.match(run.stderr, /chat · 200 req\/s fixed · gateway \(round 2\/2\)/);

  const report = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(report.quick, true);
  assert.ok(report.machine.cpus > 0 && typeof report.machine.node === 'string');
  assert.deepEqual(
    report.scenarios.map((scenario: { name: string }) => scenario.name),
    ['chat', 'chat-stream'],
  );
  for (const scenario of report.scenarios) {
    assert.deepEqual(
      scenario.fixed.map((fixed: { rate: number }) => fixed.rate),
      [200, 1000],
    );
    for (const fixed of scenario.fixed) {
      for (const target of ['emulator', 'bare-proxy', 'gateway']) {
        const where = `${scenario.name}@${fixed.rate}/${target}`;
        const result = fixed.targets[target];
        assert.ok(result.sent > 0, `${where} sent`);
        assert.equal(result.rounds, 2, `${where} rounds`);
        // Every request answered correctly (a status or stream error counts as an error).
        assert.equal(result.errors, 0, `${where}: ${result.errorSamples.join('; ')}`);
        assert.equal(result.ok, result.sent, where);
        assert.ok(result.achievedRps > 0, `${where} achievedRps`);
        assertLatency(result.latencyMs, `${where}.latencyMs`);
        assertLatency(result.sendLagMs, `${where}.sendLagMs`);
        if (scenario.stream) assertLatency(result.firstByteMs, `${where}.firstByteMs`);
        else assert.equal(result.firstByteMs, undefined);
      }
      for (const quantile of ['p50', 'p99']) {
        const added = fixed.comparison[quantile];
        assert.ok(Number.isFinite(added.gatewayMs) && Number.isFinite(added.bareProxyMs));
        assert.ok(['pass', 'fail', 'n/a'].includes(added.verdict));
      }
      if (scenario.stream) assert.ok(['pass', 'fail'].includes(fixed.comparison.firstByte.verdict));
    }
    for (const target of ['emulator', 'bare-proxy', 'gateway']) {
      const result = scenario.max.targets[target];
      assert.ok(result.ok > 0 && result.rps > 0, `${scenario.name} max ${target}`);
      assert.equal(result.rounds, 2, `${scenario.name} max ${target} rounds`);
      assert.equal(result.errors, 0, `${scenario.name} max ${target} errors`);
    }
    assert.ok(scenario.max.comparison.gatewayToBareProxy > 0);
  }
});

test('bench --scenario filters, and an unknown scenario is refused with the known names', async () => {
  const run = await runBench(['--scenario', 'no-such-scenario']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown scenario no-such-scenario/);
  assert.match(run.stderr, /known: chat, chat-stream/);
});
