// Delivers cap alerts: a log line and a limits event at once, and a JSON POST to the webhook,
// retried with exponential backoff (bounded attempts, bounded queue), never on the request path.

import type { Logger } from 'pino';
import { request } from 'undici';
import type { CapAlert } from './spend-guard.js';
import { publishLimitEvent } from './limit-events.js';

export interface AlertDispatcherOptions {
  webhookUrl?: string | undefined;
  timeoutMs: number;
  maxAttempts: number;
  logger: Logger;
  /** Delay before retry n (1-based); default 500 ms × 2^(n-1), at most 8 s. */
  backoffMs?: (attempt: number) => number;
  /** Deliveries waiting or in flight beyond this are dropped (and logged). */
  maxPending?: number;
}

export interface AlertDispatcher {
  alert(alert: CapAlert): void;
  /** Waits (up to `timeoutMs`) for deliveries in flight, then gives up on the rest. */
  close(timeoutMs?: number): Promise<void>;
}

function describe(alert: CapAlert): string {
  const percent = alert.perMille / 10;
  return `spend alert: ${alert.cap} reached ${percent}% of its daily cap ($${alert.spentUsd.toFixed(4)} of $${alert.limitUsd.toFixed(2)}; resets ${alert.resetAt})`;
}

export function createAlertDispatcher(options: AlertDispatcherOptions): AlertDispatcher {
  const backoffMs = options.backoffMs ?? ((attempt) => Math.min(500 * 2 ** (attempt - 1), 8_000));
  const maxPending = options.maxPending ?? 100;
  const pending = new Set<Promise<void>>();
  const controller = new AbortController();

  async function deliver(alert: CapAlert, url: string): Promise<void> {
    const body = JSON.stringify({
      type: 'switchyard.spend_alert',
      cap: alert.cap,
      thresholdPercent: alert.perMille / 10,
      spentUsd: alert.spentUsd,
      limitUsd: alert.limitUsd,
      resetAt: alert.resetAt,
      message: describe(alert),
      sentAt: new Date().toISOString(),
    });
    for (let attempt = 1; attempt <= options.maxAttempts; attempt += 1) {
      if (controller.signal.aborted) return;
      try {
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.any([controller.signal, AbortSignal.timeout(options.timeoutMs)]),
        });
        await response.body.dump();
        if (response.statusCode < 300) return;
        // A 4xx other than 408/429 will not get better by retrying.
        if (
          response.statusCode < 500 &&
          response.statusCode !== 408 &&
          response.statusCode !== 429
        ) {
          options.logger.warn(
            { cap: alert.cap, status: response.statusCode },
            'alert webhook refused the alert',
          );
          return;
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (attempt === options.maxAttempts) {
          options.logger.warn(
            { cap: alert.cap, err: error },
            'alert webhook unreachable; alert dropped',
          );
          return;
        }
      }
      if (attempt < options.maxAttempts) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs(attempt));
          controller.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      } else {
        options.logger.warn({ cap: alert.cap }, 'alert webhook kept failing; alert dropped');
      }
    }
  }

  return {
    alert(alert) {
      options.logger.warn(
        {
          alert: {
            cap: alert.cap,
            percent: alert.perMille / 10,
            spentUsd: alert.spentUsd,
            limitUsd: alert.limitUsd,
            resetAt: alert.resetAt,
          },
        },
        describe(alert),
      );
      publishLimitEvent({ type: 'alert', ...alert });
      const url = options.webhookUrl;
      if (!url) return;
      if (pending.size >= maxPending) {
        options.logger.warn({ cap: alert.cap }, 'alert webhook backlog full; alert not sent');
        return;
      }
      const delivery = deliver(alert, url).finally(() => pending.delete(delivery));
      pending.add(delivery);
    },
    async close(timeoutMs = 2_000) {
      if (pending.size > 0) {
        await Promise.race([
          Promise.allSettled([...pending]),
          new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
        ]);
      }
      controller.abort();
    },
  };
}
