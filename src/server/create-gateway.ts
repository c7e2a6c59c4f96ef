// Builds a whole gateway from a validated config: providers, catalog, pipeline, HTTP server, logs.

import type { Logger } from 'pino';
import type { SwitchyardConfig } from '../config/config-schema.js';
import { createResponseCache } from '../cache/create-response-cache.js';
import { createProviders } from '../pipeline/create-providers.js';
import { createPipeline } from '../pipeline/pipeline.js';
import { createResilience, type Clock } from '../resilience/index.js';
import { createModelCatalog } from '../routing/model-catalog.js';
import { createRouting } from '../routing/create-routing.js';
import { logReplicaHealth } from '../upstream/log-replica-health.js';
import { registerReplicaPoolMetrics } from '../upstream/register-replica-pool-metrics.js';
import { createTelemetry } from '../telemetry/create-telemetry.js';
import { createGovernance } from '../pipeline/create-governance.js';
import { requireKey } from '../pipeline/stages/authenticate.js';
import { logLimitEvents } from '../limits/log-limit-events.js';
import { createAdminKeysRoutes } from './admin-keys-routes.js';
import { createDashboardRoutes } from '../dashboard/dashboard-routes.js';
import { createAdminStatsRoutes } from './admin-stats-routes.js';
import { createGatewayServer, type GatewayServer } from './create-gateway-server.js';

export interface Gateway {
  readonly url: string;
  readonly http: GatewayServer;
  start(): Promise<string>;
  /** false: keyless (no keys configured, e.g. demo mode): anyone who reaches the port may call. */
  readonly keysRequired: boolean;
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
  const routing = createRouting({ config: config.routing, catalog, providers });
  // Traces, metrics, spans and the request log; `http` is read lazily by the in-flight gauge.
  const telemetry = createTelemetry({ config, logger, inFlightRequests: () => http.inFlight });
  const metrics = telemetry.metrics;
  if (telemetry.metrics) registerReplicaPoolMetrics(telemetry.metrics.registry, providers);
  // Keys, token rate limits, USD caps and alerts (docs/governance.md).
  const governance = createGovernance(config, logger);
  const runPipeline = createPipeline({
    governance,
    telemetryStage: telemetry.stage,
    catalog,
    providers,
    resilience,
    routing,
    ...(responseCache ? { responseCache } : {}),
  });
  // The dashboard (/ui) and the stats API it reads (docs/dashboard.md).
  const stats = config.dashboard.enabled
    ? createAdminStatsRoutes({
        config,
        database: () => telemetry.traceWriter?.database(),
        describeProviders: () => resilience.breakers.describe(),
        metricsRegistry: telemetry.metrics?.registry,
        inFlightRequests: () => http.inFlight,
        logger,
      })
    : undefined;
  const dashboardPage = config.dashboard.enabled ? createDashboardRoutes() : undefined;
  const http = createGatewayServer({
    host: config.server.host,
    port: config.server.port,
    bodyLimitBytes: config.server.bodyLimitBytes,
    drainTimeoutMs: config.server.drainTimeoutMs,
    catalog,
    runPipeline,
    logger,
    describeProviders: () => resilience.breakers.describe(),
    ...(config.admin.apiKey !== undefined ? { adminKey: config.admin.apiKey } : {}),
    ...(governance.keysRequired
      ? { allowedModels: async (headers) => (await requireKey(governance.keys, headers)).models }
      : {}),
    ...(stats && dashboardPage
      ? {
          dashboardRoutes: (request, response, path) =>
            dashboardPage(request, response, path) || stats.handle(request, response, path),
        }
      : {}),
    adminKeysRoutes: createAdminKeysRoutes({
      adminApiKey: config.admin.apiKey,
      keys: governance.keys,
      logger,
    }),
    ...(metrics
      ? {
          metrics: {
            path: config.metrics.path,
            contentType: metrics.contentType,
            render: () => metrics.render(),
          },
        }
      : {}),
  });
  let closing: Promise<void> | undefined;
  let unsubscribeLimitLogs: (() => void) | undefined;
  let unsubscribeReplicaLogs: (() => void) | undefined;
  return {
    get url() {
      return http.url;
    },
    http,
    keysRequired: governance.keysRequired,
    async start() {
      unsubscribeLimitLogs ??= logLimitEvents(logger);
      unsubscribeReplicaLogs ??= logReplicaHealth(logger);
      await governance.start();
      telemetry.start();
      stats?.start();
      await http.listen();
      return http.url;
    },
    close() {
      // Idempotent: a second call (shutdown signal twice, a test's after() hook) waits for the
      // first instead of closing pools that are already closed.
      closing ??= closeOnce();
      return closing;
    },
  };

  async function closeOnce(): Promise<void> {
    await http.close();
    await governance.close();
    unsubscribeLimitLogs?.();
    unsubscribeReplicaLogs?.();
    // Before the trace database closes: store the spend alerts still queued.
    await stats?.close();
    // After the drain: every finished request has been queued; flush them (or spool them).
    await telemetry.close();
    await responseCache?.close();
    await Promise.all([...providers.values()].map((provider) => provider.close()));
  }
}
