// Where the benchmark's child processes live: compiled (dist/, `npm run bench`) or source (tsx, the
// smoke test). The harness starts the same entries either way.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
/** Running from the .ts sources under tsx (tests) rather than from dist/ (npm run bench). */
export const fromSource = here.endsWith('.ts');
const benchDir = dirname(here);
export const repoRoot = fromSource ? resolve(benchDir, '..') : resolve(benchDir, '../..');
const codeRoot = fromSource ? repoRoot : join(repoRoot, 'dist');

export type ChildEntry = 'src/main' | 'emulator/main' | 'bench/bare-proxy-main';

export function entryPath(entry: ChildEntry): string {
  return join(codeRoot, `${entry}${fromSource ? '.ts' : '.js'}`);
}

/** Node flags every child needs (tsx to load .ts sources). */
export const baseExecArgv: readonly string[] = fromSource ? ['--import', 'tsx'] : [];
