// Builds a whole gateway from a validated config: providers, catalog, pipeline, HTTP server, logs.

import type { Logger } from 'pino';
import type { SwitchyardConfig } from '../config/config-schema.js';
import { createResponseCache } from '../cache/create-response-cache.js';
import { createProviders } from '../pipeline/create-providers.js';
import { createPipeline } from '../pipeline/pipeline.js';
import { createResilience, type Clock } from '../resilience/index.js';
import { createModelCatalog } from '../routing/model-catalog.js';
import { logRequests } from '../telemetry/log-requests.js';
import { createGatewayServer, type GatewayServer } from './create-gateway-server.js';

export interface Gateway {
  readonly url: string;
  readonly http: GatewayServer;
  start(): Promise<string>;
  /** Drains in-flight requests (up to server.drainTimeoutMs), then closes upstream pools. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** Tests inject a manual clock (breaker cooldowns, retry waits) and a fixed jitter source. */
  clock?: Clock;
  random?: () => number;
}

export function createGateway(
  config: SwitchyardConfig,
  logger: Logger,
  options: GatewayOptions = {},
): Gateway {
  const catalog = createModelCatalog(config);
  const providers = createProviders(config);
  const resilience = createResilience({
    config: config.resilience,
    routes: catalog.aliases().flatMap((alias) => catalog.resolve(alias) ?? []),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const responseCache =
    config.cache?.enabled === true
      ? createResponseCache({ config: config.cache, catalog, providers, logger })
      : undefined;
  const runPipeline = createPipeline({
    catalog,
    providers,
    resilience,
    ...(responseCache ? { responseCache } : {}),
  });
  const http = createGatewayServer({
    host: config.server.host,
    port: config.server.port,
    bodyLimitBytes: config.server.bodyLimitBytes,
    drainTimeoutMs: config.server.drainTimeoutMs,
    catalog,
    runPipeline,
    logger,
    describeProviders: () => resilience.breakers.describe(),
  });
  const unsubscribeLogs = logRequests(logger);
  return {
    get url() {
      return http.url;
    },
    http,
    async start() {
      await http.listen();
      return http.url;
    },
    async close() {
      await http.close();
      unsubscribeLogs();
      await responseCache?.close();
      await Promise.all([...providers.values()].map((provider) => provider.close()));
    },
  };
}
