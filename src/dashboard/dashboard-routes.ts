// GET /ui: the dashboard page and its bundle (built by scripts/build-dashboard.mjs into
// dist/dashboard/ with esbuild; uPlot is bundled in, nothing is fetched from a CDN). The page holds
// no data: it reads /admin/stats/*, which checks the key (src/server/admin-stats-routes.ts).

import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Files the build writes, by URL path. */
const files: Record<string, string> = {
  '/ui': 'index.html',
  '/ui/': 'index.html',
  '/ui/app.js': 'app.js',
  '/ui/app.css': 'app.css',
};

/** Where the bundle is: dist/dashboard from src/dashboard (tsx) and from dist/src/dashboard (built). */
export function dashboardAssetDir(): string | undefined {
  const candidates = [
    new URL('../../dist/dashboard/', import.meta.url),
    new URL('../../dashboard/', import.meta.url),
  ];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

export function createDashboardRoutes(): (
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
) => boolean {
  const cache = new Map<string, Buffer>();
  return (request, response, path) => {
    const file = files[path];
    if (!file) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    let body = cache.get(file);
    if (!body) {
      const dir = dashboardAssetDir();
      if (!dir) {
        const text =
          'The dashboard is not built: run `npm run build` (it bundles dist/dashboard/).\n';
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
        return true;
      }
      body = readFileSync(`${dir}${file}`);
      cache.set(file, body);
    }
    const extension = file.slice(file.lastIndexOf('.'));
    response.writeHead(200, {
      'content-type': contentTypes[extension] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // Everything comes from the gateway itself: no CDN, no inline script (inline style
      // attributes are allowed: the bars' widths).
      'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  };
}
