// `switchyard cache eval` on the shipped pairs: the report, the JSON form, and a bad file.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgram } from './create-program.js';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString('utf8'));
        callback();
      },
    });
  const program = createProgram({
    env: {},
    cwd: process.cwd(),
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    onSignal: () => {},
    exit: (code) => {
      exitCode = code;
    },
  });
  program.exitOverride();
  await program.parseAsync(['node', 'switchyard', ...args]);
  return { stdout, stderr, exitCode };
}

describe('switchyard cache eval', () => {
  it('reports precision, recall, categories and a sweep for the shipped pairs', async () => {
    const { stdout, exitCode } = await run([
      'cache',
      'eval',
      '--pairs',
      'src/cache/eval/semantic-pairs.jsonl',
    ]);
    assert.equal(exitCode, 0);
    assert.match(stdout, /215 pairs, embedder local, threshold 0\.85/);
    assert.match(stdout, /with guards: +precision 100\.0% +recall \d+\.\d%/);
    assert.match(stdout, /negation/);
    assert.match(stdout, /threshold sweep/);
  });

  it('prints JSON with --json and honours --threshold', async () => {
    const { stdout } = await run([
      'cache',
      'eval',
      '--pairs',
      'src/cache/eval/semantic-pairs.jsonl',
      '--threshold',
      '0.5',
      '--json',
    ]);
    const result = JSON.parse(stdout) as {
      threshold: number;
      withGuards: { precision: number; falsePositives: number };
      withoutGuards: { precision: number };
      misjudged: unknown[];
    };
    assert.equal(result.threshold, 0.5);
    assert.ok(result.withGuards.falsePositives > 0, 'a loose threshold lets false hits through');
    assert.ok(result.withoutGuards.precision < result.withGuards.precision);
    assert.ok(result.misjudged.length > 0);
  });

  it('exits 1 naming the problem for a malformed pairs file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cache-eval-'));
    try {
      const path = join(dir, 'pairs.jsonl');
      await writeFile(path, '{"a":"x","b":"y"}\n');
      const { stderr, exitCode } = await run(['cache', 'eval', '--pairs', path]);
      assert.equal(exitCode, 1);
      assert.match(stderr, /boolean "same"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
