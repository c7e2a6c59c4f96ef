// The gateway config every scenario starts from: one provider pointing at the emulator, one alias,
// and the production path on (SPEC §3 asks for the overhead "with auth, rate limit, cache lookup,
// routing, metrics and tracing on"): a virtual key, a token rate limit, the response cache, metrics,
// traces and the request log. A feature that gains a production default worth measuring goes HERE,
// so every scenario measures it.

import { join } from 'node:path';
import type { GatewayConfigInput } from './scenario.js';

/** The alias clients ask the gateway for, and the model the emulator sees. */
export const benchAlias = 'bench-model';
export const upstreamModel = 'gpt-4o-mini';
/**
 * Sent to the emulator (which accepts any key) by the gateway, the bare proxy and direct runs; the
 * same string is the gateway's virtual key, so one `authorization` header serves every target.
 */
export const upstreamApiKey = 'sk-bench-upstream';

export function baseGatewayConfig(input: GatewayConfigInput): Record<string, unknown> {
  if (input.upstreamKind === 'anthropic') {
    throw new Error('baseGatewayConfig serves OpenAI-style upstreams; give the scenario its own');
  }
  return {
    server: { host: '127.0.0.1', port: input.port, drainTimeoutMs: 2000 },
    // Production default: one JSON line per request (written to /dev/null by the harness).
    logging: { level: 'info' },
    providers: {
      emulator: {
        type: input.upstreamKind === 'vllm' ? 'openai-compatible' : 'openai',
        baseUrl: `${input.upstreamUrl}/v1`,
        apiKey: upstreamApiKey,
      },
    },
    models: { [benchAlias]: [{ provider: 'emulator', model: upstreamModel }] },
    // Tracing on (the default), into a fresh store of this run: embedded PGlite unless
    // --database-url names a PostgreSQL server. Metrics on (the default).
    database: input.databaseUrl
      ? { url: input.databaseUrl }
      : { pgliteDir: join(input.dataDir, 'pglite') },
    traces: { enabled: true, spoolDir: join(input.dataDir, 'spool') },
    metrics: { enabled: true },
    // Auth: one static virtual key (hashed, compared in constant time) is required.
    keys: { required: true, static: [{ key: upstreamApiKey, user: 'bench', tier: 'bench' }] },
    // A token rate limit every request passes through (in-process store; never refuses here).
    limits: { defaultTier: 'bench', tiers: { bench: { tokensPerMinute: 1e12 } } },
    // The exact cache in its default mode: the bench's requests are not deterministic (no
    // temperature 0), so the cache stage runs its cacheability check and every answer comes from
    // the upstream; a cache-hit scenario would send a deterministic body.
    cache: { enabled: true, store: 'memory' },
  };
}
