// undici connection pools for upstreams: keep-alive, bounded connections, connect timeout.
// undici's Pool/request API, not the global fetch (several times the throughput on this machine).

import { Pool } from 'undici';

export interface UpstreamPoolOptions {
  baseUrl: string;
  maxConnections: number;
  connectTimeoutMs: number;
}

export function createUpstreamPool(options: UpstreamPoolOptions): Pool {
  const url = new URL(options.baseUrl);
  return new Pool(url.origin, {
    connections: options.maxConnections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connect: { timeout: options.connectTimeoutMs },
  });
}
