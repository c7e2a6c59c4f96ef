// Builds governance from the config: virtual keys, the limit store (Redis or in-process), token
// limiter, spend guard and alert dispatcher; their stages; and their start (Redis, key database) and close.

import type { Logger } from 'pino';
import type { SwitchyardConfig } from '../config/config-schema.js';
import { createKeyService, type KeyService } from '../keys/key-service.js';
import { keyMigrations } from '../keys/key-migrations.js';
import { createKeyStore } from '../keys/key-store.js';
import { importLegacyKeyDirectory, legacyKeyDirectory } from '../keys/legacy-key-directory.js';
import { createAlertDispatcher, type AlertDispatcher } from '../limits/alert-dispatcher.js';
import type { LimitStore } from '../limits/limit-store.js';
import { createMemoryLimitStore } from '../limits/memory/memory-limit-store.js';
import { createRedisLimitStore, type RedisLimitStore } from '../limits/redis/redis-limit-store.js';
import { createSpendGuard } from '../limits/spend-guard.js';
import { createTokenLimiter } from '../limits/token-limiter.js';
import { openDatabase, type Database } from '../trace-store/database.js';
import { openSharedEmbeddedDatabase } from '../trace-store/share-embedded-database.js';
import type { Stage } from './stage.js';
import { createAuthenticateStage } from './stages/authenticate.js';
import { createRateLimitStage } from './stages/rate-limit.js';
import { createSpendCapStage } from './stages/spend-cap.js';

export interface Governance {
  /** Whether requests need a gateway key (false: keyless, e.g. demo mode). */
  readonly keysRequired: boolean;
  readonly keys: KeyService;
  readonly store: LimitStore;
  /** Runs right after extractMetadata. */
  readonly authStage: Stage;
  /** Run after routing (and the cache), right before invokeUpstream; empty when nothing is limited. */
  readonly limitStages: Stage[];
  /**
   * Connects Redis (bounded wait) and, when keys are required, the key database (retried in the
   * background while it is down; meanwhile database keys get 503 and static keys work).
   */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function keysRequired(config: SwitchyardConfig): boolean {
  return (
    config.keys.required ?? (config.keys.static.length > 0 || config.admin.apiKey !== undefined)
  );
}

export function createGovernance(config: SwitchyardConfig, logger: Logger): Governance {
  const required = keysRequired(config);
  const keys = createKeyService({
    staticKeys: config.keys.static,
    cacheTtlMs: config.keys.cacheTtlMs,
    expectStore: required,
    onStoreError: (error, usedStale) =>
      logger.warn({ err: error, usedStale }, 'key database unavailable'),
  });
  const keyPrefix = config.redis.keyPrefix;
  const alerts: AlertDispatcher = createAlertDispatcher({
    webhookUrl: config.alerts.webhookUrl,
    timeoutMs: config.alerts.webhookTimeoutMs,
    maxAttempts: config.alerts.webhookMaxAttempts,
    logger,
  });
  const limits = config.limits;
  const caps = config.caps;
  const rateLimited = Object.keys(limits.tiers).length > 0 || Object.keys(limits.users).length > 0;
  const anyCap =
    caps.perUserDailyUsd !== undefined ||
    caps.perKeyDailyUsd !== undefined ||
    caps.perFeatureDailyUsd !== undefined ||
    Object.keys(caps.users).length > 0 ||
    Object.keys(caps.features).length > 0 ||
    config.alerts.globalDailyUsd !== undefined ||
    config.keys.static.some((key) => key.dailyUsd !== undefined) ||
    // Database keys may carry their own caps.
    required;
  // No Redis connection unless something is limited.
  const redis: RedisLimitStore | undefined =
    config.redis.url && (rateLimited || anyCap)
      ? createRedisLimitStore({
          url: config.redis.url,
          commandTimeoutMs: config.redis.commandTimeoutMs,
          connectTimeoutMs: config.redis.connectTimeoutMs,
        })
      : undefined;
  const store: LimitStore = redis ?? createMemoryLimitStore();
  const limitStages: Stage[] = [];
  if (rateLimited) {
    limitStages.push(
      createRateLimitStage({
        limiter: createTokenLimiter({ store, config: limits, keyPrefix }),
        defaultTier: limits.defaultTier,
        defaultMaxOutputTokens: limits.defaultMaxOutputTokens,
      }),
    );
  }
  if (anyCap) {
    limitStages.push(
      createSpendCapStage({
        guard: createSpendGuard({ store, caps, alerts: config.alerts, keyPrefix }),
        alerts,
        defaultMaxOutputTokens: limits.defaultMaxOutputTokens,
        logger,
      }),
    );
  }
  let keyDatabase: Database | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  // PostgreSQL: a small pool of its own on the configured database. Embedded PGlite: the database
  // the trace store uses (one child process serves both; share-embedded-database.ts), after copying
  // in the keys an earlier version kept in `<pgliteDir>-keys`. In memory (tests): one of its own.
  async function openKeyDatabase(): Promise<Database> {
    const { url, pgliteDir } = config.database;
    if (url === undefined && !pgliteDir.startsWith('memory://')) {
      const database = await openSharedEmbeddedDatabase(config.database, keyMigrations);
      // A failed import leaves the old directory as it was for the next start; the keys created
      // since work meanwhile, the old ones get 401 until then.
      await importLegacyKeyDirectory(database, pgliteDir).then(
        (imported) => {
          if (imported)
            logger.info(imported, "imported the keys of an earlier version's key database");
        },
        (error: unknown) =>
          logger.error(
            { err: error, directory: legacyKeyDirectory(pgliteDir) },
            "could not import the keys of an earlier version's key database: its keys are refused until a start imports them",
          ),
      );
      return database;
    }
    return openDatabase({
      ...(url !== undefined ? { url } : {}),
      pgliteDir: `${pgliteDir}-keys`,
      statementTimeoutMs: config.database.statementTimeoutMs,
      pgliteSharedBuffersMb: config.database.pgliteSharedBuffersMb,
      maxConnections: 4,
    });
  }

  async function connectKeyDatabase(delayMs: number): Promise<void> {
    try {
      const database = await openKeyDatabase();
      try {
        keys.attachStore(await createKeyStore(database));
      } catch (error) {
        await database.close().catch(() => undefined);
        throw error;
      }
      if (closed) {
        await database.close();
        return;
      }
      keyDatabase = database;
      // Embedded PGlite's child died (a crash, the OOM killer): open the database afresh.
      database.onLost?.((error) => {
        if (closed || keyDatabase !== database) return;
        keyDatabase = undefined;
        logger.error(
          { err: error },
          'key database lost: reopening it (database keys get 503 until it is back; static keys work)',
        );
        void database
          .close()
          .catch(() => undefined)
          .then(() => connectKeyDatabase(1_000));
      });
    } catch (error) {
      if (closed) return;
      logger.error(
        { err: error, retryInMs: delayMs },
        'key database unavailable: database keys get 503 until it is back (static keys work)',
      );
      retryTimer = setTimeout(
        () => void connectKeyDatabase(Math.min(delayMs * 2, 30_000)),
        delayMs,
      );
      retryTimer.unref();
    }
  }

  return {
    keysRequired: required,
    keys,
    store,
    authStage: createAuthenticateStage({ keys, required }),
    limitStages,
    async start() {
      if (redis && !(await redis.waitReady(config.redis.connectTimeoutMs))) {
        logger.warn(
          { rateLimits: limits.failureMode, caps: caps.failureMode },
          'redis unreachable at start: limits apply their failure policy until it is back',
        );
      }
      if (required) await connectKeyDatabase(1_000);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await alerts.close();
      await store.close();
      await keyDatabase?.close();
    },
  };
}
