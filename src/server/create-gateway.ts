// Builds a whole gateway from a validated config: providers, catalog, pipeline, HTTP server, logs.

import type { Logger } from 'pino';
import type { SwitchyardConfig } from '../config/config-schema.js';
import { createProviders } from '../pipeline/create-providers.js';
import { createPipeline } from '../pipeline/pipeline.js';
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

export function createGateway(config: SwitchyardConfig, logger: Logger): Gateway {
  const catalog = createModelCatalog(config);
  const providers = createProviders(config);
  const runPipeline = createPipeline({ catalog, providers });
  const http = createGatewayServer({
    host: config.server.host,
    port: config.server.port,
    bodyLimitBytes: config.server.bodyLimitBytes,
    drainTimeoutMs: config.server.drainTimeoutMs,
    catalog,
    runPipeline,
    logger,
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
      await Promise.all([...providers.values()].map((provider) => provider.close()));
    },
  };
}
