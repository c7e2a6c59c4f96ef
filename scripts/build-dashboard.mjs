// Bundles the dashboard (src/dashboard/ui/) with esbuild into dist/dashboard/: app.js (the page's
// TypeScript + uPlot), app.css (ours + uPlot's), index.html. Run by `npm run build`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'dashboard');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'src/dashboard/ui/main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
await build({
  entryPoints: [join(root, 'src/dashboard/ui/app.css')],
  bundle: true,
  minify: true,
  outfile: join(out, 'app.css'),
  logLevel: 'warning',
});
copyFileSync(join(root, 'src/dashboard/ui/index.html'), join(out, 'index.html'));
console.log(`dashboard bundled into ${out}`);
