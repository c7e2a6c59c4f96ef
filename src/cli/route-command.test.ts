import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgram } from './create-program.js';

function run(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const program = createProgram({
    env: {},
    cwd,
    stdout,
    stderr,
    onSignal: () => {},
    exit: (code) => {
      throw new Error(`exit ${code}: ${err}`);
    },
  });
  program.exitOverride();
  return program
    .parseAsync(['node', 'switchyard', ...args])
    .then(() => ({ stdout: out, stderr: err }));
}

describe('switchyard route eval', () => {
  it('scores the built-in and kNN classifiers on the shipped set, with cost vs all-hard', async () => {
    const { stdout } = await run(
      ['route', 'eval', '--file', 'src/routing/eval/labelled-prompts.jsonl', '--json'],
      process.cwd(),
    );
    const reports = JSON.parse(stdout) as Array<{
      classifier: string;
      examples: number;
      accuracy: number;
      confusion: Record<string, Record<string, number>>;
      cost: { routedUsd: number; allHardUsd: number };
    }>;
    assert.equal(reports.length, 2);
    for (const report of reports) {
      assert.ok(report.examples >= 300);
      const total = Object.values(report.confusion)
        .flatMap((row) => Object.values(row))
        .reduce((sum, value) => sum + value, 0);
      assert.equal(total, report.examples);
      assert.ok(report.accuracy > 1 / 3, `${report.classifier} beats chance`);
      assert.ok(report.cost.routedUsd < report.cost.allHardUsd);
    }
  });

  it('prints a confusion matrix and names a bad line of the file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'route-eval-'));
    try {
      writeFileSync(
        join(directory, 'small.jsonl'),
        '{"prompt":"hi","tier":"trivial"}\n{"prompt":"Prove by induction that the sum of the first n odd numbers is n squared, then derive the closed form of the sum of squares and analyze its asymptotic growth.","tier":"hard"}\n',
      );
      const { stdout } = await run(
        ['route', 'eval', '--file', 'small.jsonl', '--classifier', 'features'],
        directory,
      );
      assert.match(stdout, /features: accuracy 100\.0 % on 2 prompts/);
      assert.match(stdout, /labelled\s+trivial\s+moderate\s+hard/);
      const knn = await run(
        [
          'route',
          'eval',
          '--file',
          'small.jsonl',
          '--classifier',
          'knn',
          '--train',
          'small.jsonl',
          '--k',
          '1',
        ],
        directory,
      );
      assert.match(
        knn.stdout,
        /knn \(local embedder, k=1, trained on small\.jsonl\): accuracy 100\.0 %/,
      );
      writeFileSync(join(directory, 'bad.jsonl'), '{"prompt":"hi","tier":"easy"}\n');
      await assert.rejects(
        run(['route', 'eval', '--file', 'bad.jsonl'], directory),
        /bad\.jsonl:1: "tier" must be one of trivial, moderate, hard/,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
