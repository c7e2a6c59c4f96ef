// The gateway config every scenario starts from: one provider pointing at the emulator, one alias.
// When auth, rate limits, cache lookup, metrics and tracing exist, turn them on HERE (SPEC §3 asks
// for the overhead to be measured with them on), so every scenario measures the production path.

import { join } from 'node:path';
import type { GatewayConfigInput } from './scenario.js';

/** The alias clients ask the gateway for, and the model the emulator sees. */
export const benchAlias = 'bench-model';
export const upstreamModel = 'gpt-4o-mini';
/** Sent to the emulator (which accepts any key) by the gateway, the bare proxy and direct runs. */
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
  };
}
