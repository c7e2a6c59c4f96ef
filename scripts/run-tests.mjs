// Lists the test files (Node 20's runner does not expand globs) and runs them with node:test + tsx.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = ['src', 'emulator', 'test', 'bench'];
const skip = new Set(['node_modules', 'dist', '__fixtures__']);
const filter = process.argv.slice(2);

function walk(directory, found) {
  let entries;
  try {
    entries = readdirSync(directory);
  } catch {
    return;
  }
  for (const name of entries) {
    if (skip.has(name)) continue;
    const path = join(directory, name);
    if (statSync(path).isDirectory()) walk(path, found);
    else if (name.endsWith('.test.ts')) found.push(relative(process.cwd(), path));
  }
}

const files = [];
for (const root of roots) walk(root, files);
files.sort();
const selected = filter.length
  ? files.filter((file) => filter.some((f) => file.includes(f)))
  : files;
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=2',
    // A test that leaks a handle (a server left open by a failed after() hook) must not hang CI,
    // and no single test may run forever: both end in a failure with a name instead.
    '--test-force-exit',
    '--test-timeout=300000',
    ...selected,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
