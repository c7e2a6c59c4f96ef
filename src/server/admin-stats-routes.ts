// GET /admin/stats/*: the JSON the dashboard (/ui) reads. overview (spend, top users and keys,
// 80/20, latency, cache, fallbacks: src/reports/dashboard-stats.ts), live (breakers, in-flight per
// deployment, caps with today's use, fired alerts) and economics (the advisor,
// src/reports/economics-advisor.ts). Also records fired spend alerts into spend_alerts.
//
// Access: with admin.apiKey or dashboard.viewerKeys configured, a bearer token equal to one of them
// (compared hashed, in constant time). With neither, only when the gateway binds a loopback address;
// on any other bind the API answers 403: it is never open by default to the network.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SwitchyardConfig } from '../config/config-schema.js';
import { subscribeLimitEvents } from '../limits/limit-events.js';
import { parseSince } from '../reports/build-report.js';
import { buildOverviewStats } from '../reports/dashboard-stats.js';
import { buildEconomicsAdvice } from '../reports/economics-advisor.js';
import { presetsFrom } from '../reports/economics-presets.js';
import { dashboardMigrations } from '../reports/dashboard-migrations.js';
import {
  insertSpendAlerts,
  listSpendAlerts,
  type SpendAlertRecord,
} from '../reports/spend-alerts.js';
import { runMigrations, type Database } from '../trace-store/database.js';
import { isLoopbackHost } from './handle-admin-providers.js';

export interface AdminStatsRoutesOptions {
  config: SwitchyardConfig;
  /** The trace database when it is open (the trace writer's). */
  database: () => Database | undefined;
  describeProviders: () => unknown;
  /** Prometheus registry of the gateway (in-flight attempts per deployment), when metrics are on. */
  metricsRegistry?: Registry | undefined;
  inFlightRequests: () => number;
  logger: Logger;
}

export interface AdminStatsRoutes {
  /** Answers /admin/stats* requests; returns whether it did. */
  handle(request: IncomingMessage, response: ServerResponse, path: string): boolean;
  /** Starts recording spend alerts. */
  start(): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function send(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

export function createAdminStatsRoutes(options: AdminStatsRoutesOptions): AdminStatsRoutes {
  const { config, logger } = options;
  const accepted = [config.admin.apiKey, ...config.dashboard.viewerKeys]
    .filter((key): key is string => key !== undefined)
    .map(digest);
  const presets = presetsFrom(config.economics);
  const selfHostedProviders = Object.entries(config.providers)
    .filter(([, provider]) => provider.type === 'openai-compatible')
    .map(([name]) => name);

  function authorize(request: IncomingMessage) {
    if (accepted.length === 0) {
      if (isLoopbackHost(config.server.host)) return;
      throw new HttpError(
        403,
        'The stats API is served without a key only on a loopback bind: set dashboard.viewerKeys or admin.apiKey.',
        'forbidden',
      );
    }
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    const given = match?.[1] ? digest(match[1].trim()) : undefined;
    // Compare against every key so the time does not tell which one (nor whether any) matched.
    let ok = false;
    for (const key of accepted) if (given && timingSafeEqual(given, key)) ok = true;
    if (!ok) {
      throw new HttpError(
        401,
        'The stats API needs the admin key or a dashboard viewer key as a bearer token.',
        'unauthorized',
      );
    }
  }

  let migrated: Promise<void> | undefined;
  let migratedOn: Database | undefined;
  async function database(): Promise<Database> {
    if (!config.traces.enabled) {
      throw new HttpError(503, 'Traces are off (traces.enabled: false): no stats.', 'no_traces');
    }
    const opened = options.database();
    if (!opened) {
      throw new HttpError(
        503,
        'The trace store is not open yet (or unreachable): try again shortly.',
        'trace_store_unavailable',
      );
    }
    if (migratedOn !== opened) {
      migratedOn = opened;
      migrated = runMigrations(opened, dashboardMigrations).then(() => undefined);
      migrated.catch(() => {
        migratedOn = undefined;
      });
    }
    await migrated;
    return opened;
  }

  function windowFrom(url: URL, fallback: string): { since: Date; until?: Date } {
    try {
      const since = parseSince(url.searchParams.get('since') ?? fallback);
      const untilText = url.searchParams.get('until');
      if (untilText === null) return { since };
      const until = new Date(untilText);
      if (Number.isNaN(until.getTime())) throw new Error(`until: not a date: '${untilText}'`);
      return { since, until };
    } catch (error) {
      throw new HttpError(400, (error as Error).message, 'invalid_request');
    }
  }

  async function inFlightByDeployment() {
    const metric = options.metricsRegistry?.getSingleMetric(
      'switchyard_deployment_inflight_requests',
    );
    if (!metric) return undefined;
    const values = (await metric.get()).values;
    return values.map((value) => ({
      deployment: String(value.labels.deployment ?? ''),
      provider: String(value.labels.provider ?? ''),
      inFlight: value.value,
    }));
  }

  async function capsWithUse(database: Database) {
    const caps = config.caps;
    const { rows } = await database.query<{ kind: string; name: string; cost: unknown }>(
      `SELECT 'user' AS kind, user_id AS name, sum(cost_usd) AS cost FROM llm_traces_daily
        WHERE day = (now() AT TIME ZONE 'UTC')::date AND user_id <> '' GROUP BY 2
       UNION ALL
       SELECT 'feature', feature, sum(cost_usd) FROM llm_traces_daily
        WHERE day = (now() AT TIME ZONE 'UTC')::date AND feature <> '' GROUP BY 2
       UNION ALL
       SELECT 'key', key_id, sum(cost_usd) FROM llm_traces_daily
        WHERE day = (now() AT TIME ZONE 'UTC')::date AND key_id <> '' GROUP BY 2
       UNION ALL
       SELECT 'global', '', coalesce(sum(cost_usd), 0) FROM llm_traces_daily
        WHERE day = (now() AT TIME ZONE 'UTC')::date`,
    );
    const spent = new Map(rows.map((row) => [`${row.kind}:${row.name}`, Number(row.cost ?? 0)]));
    const list: Array<{ cap: string; limitUsd: number; spentTodayUsd: number; rule: string }> = [];
    const add = (cap: string, limitUsd: number, rule: string) =>
      list.push({ cap, limitUsd, spentTodayUsd: spent.get(cap) ?? 0, rule });
    for (const [user, limit] of Object.entries(caps.users))
      add(`user:${user}`, limit, 'caps.users');
    for (const [feature, limit] of Object.entries(caps.features))
      add(`feature:${feature}`, limit, 'caps.features');
    for (const key of config.keys.static) {
      if (key.dailyUsd === undefined) continue;
      const id = key.name
        ? `cfg_${key.name}`
        : `cfg_${digest(key.key).toString('hex').slice(0, 12)}`;
      add(`key:${id}`, key.dailyUsd, 'keys.static[].dailyUsd');
    }
    // Default caps apply to every subject: show those active today, busiest first.
    const defaults: Array<[string, number | undefined, string]> = [
      ['user', caps.perUserDailyUsd, 'caps.perUserDailyUsd'],
      ['feature', caps.perFeatureDailyUsd, 'caps.perFeatureDailyUsd'],
      ['key', caps.perKeyDailyUsd, 'caps.perKeyDailyUsd'],
    ];
    for (const [kind, limit, rule] of defaults) {
      if (limit === undefined) continue;
      rows
        .filter(
          (row) => row.kind === kind && !list.some((entry) => entry.cap === `${kind}:${row.name}`),
        )
        .sort((a, b) => Number(b.cost) - Number(a.cost))
        .slice(0, 10)
        .forEach((row) => add(`${kind}:${row.name}`, limit, rule));
    }
    if (config.alerts.globalDailyUsd !== undefined) {
      list.push({
        cap: 'global',
        limitUsd: config.alerts.globalDailyUsd,
        spentTodayUsd: spent.get('global:') ?? 0,
        rule: 'alerts.globalDailyUsd (alert only)',
      });
    }
    return list
      .map((entry) => ({ ...entry, share: entry.spentTodayUsd / entry.limitUsd }))
      .sort((a, b) => b.share - a.share || a.cap.localeCompare(b.cap));
  }

  async function answer(request: IncomingMessage, path: string): Promise<unknown> {
    authorize(request);
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (path === '/admin/stats/overview') {
      const window = windowFrom(url, '24h');
      return buildOverviewStats(await database(), window);
    }
    if (path === '/admin/stats/live') {
      // Breakers and in-flight counts do not need the trace store: answer them even without it.
      let opened: Database | undefined;
      let traceStoreError: string | null = null;
      try {
        opened = await database();
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        traceStoreError = error.message;
      }
      const alertsSince = windowFrom(url, '7d').since;
      return {
        time: new Date().toISOString(),
        refreshSeconds: config.dashboard.refreshSeconds,
        inFlightRequests: options.inFlightRequests(),
        inFlightByDeployment: (await inFlightByDeployment()) ?? null,
        providers: options.describeProviders(),
        caps: opened ? await capsWithUse(opened) : null,
        alerts: opened ? await listSpendAlerts(opened, { since: alertsSince }) : null,
        traceStoreError,
        capsSource:
          'spent today = settled request costs in the trace store (UTC day); the enforced counter is in the limit store and also holds requests in flight',
      };
    }
    if (path === '/admin/stats/economics') {
      const window = windowFrom(url, '30d');
      const name = url.searchParams.get('preset') ?? config.economics.defaultPreset;
      const preset = presets[name];
      if (!preset) {
        throw new HttpError(
          400,
          `preset: unknown '${name}' (known: ${Object.keys(presets).join(', ')})`,
          'invalid_request',
        );
      }
      const utilisationText = url.searchParams.get('utilisation');
      const targetUtilisation =
        utilisationText === null ? config.economics.targetUtilisation : Number(utilisationText);
      if (!(targetUtilisation > 0 && targetUtilisation <= 1)) {
        throw new HttpError(400, 'utilisation: expected a number in (0, 1]', 'invalid_request');
      }
      return {
        presets: Object.keys(presets),
        ...(await buildEconomicsAdvice(await database(), {
          ...window,
          preset: { name, ...preset },
          targetUtilisation,
          excludeProviders: selfHostedProviders,
        })),
      };
    }
    throw new HttpError(404, `Unknown stats endpoint ${path}.`, 'route_not_found');
  }

  // Alerts arrive on the limits channel; they are written in small batches, never on the request path.
  let pending: SpendAlertRecord[] = [];
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  async function flushAlerts() {
    if (pending.length === 0) return;
    let opened: Database;
    try {
      opened = await database();
    } catch {
      return; // kept for the next tick (bounded below)
    }
    const batch = pending;
    pending = [];
    try {
      await insertSpendAlerts(opened, batch);
    } catch (error) {
      logger.warn({ err: error, alerts: batch.length }, 'spend alerts not stored');
    }
  }

  return {
    handle(request, response, path) {
      if (path !== '/admin/stats' && !path.startsWith('/admin/stats/')) return false;
      if (request.method !== 'GET') {
        send(response, 405, { error: { message: 'Use GET.', code: 'method_not_allowed' } });
        return true;
      }
      answer(request, path).then(
        (body) => send(response, 200, body),
        (error: unknown) => {
          if (error instanceof HttpError) {
            send(response, error.status, { error: { message: error.message, code: error.code } });
            return;
          }
          logger.error({ err: error, path }, 'stats query failed');
          send(response, 500, {
            error: { message: 'Stats query failed.', code: 'internal_error' },
          });
        },
      );
      return true;
    },
    start() {
      if (unsubscribe || !config.traces.enabled) return;
      unsubscribe = subscribeLimitEvents((event) => {
        if (event.type !== 'alert') return;
        if (pending.length >= 1_000) pending.shift();
        pending.push({
          time: new Date().toISOString(),
          cap: event.cap,
          thresholdPercent: event.perMille / 10,
          spentUsd: event.spentUsd,
          limitUsd: event.limitUsd,
          resetAt: event.resetAt,
        });
      });
      timer = setInterval(() => void flushAlerts(), 1_000);
      timer.unref();
    },
    async close() {
      unsubscribe?.();
      unsubscribe = undefined;
      if (timer) clearInterval(timer);
      await flushAlerts();
    },
  };
}
