// Logs limiter events: store failures (at most one line per operation every 10 s, with a count of
// the ones suppressed, so an outage does not flood the log) and store state changes.

import type { Logger } from 'pino';
import { subscribeLimitEvents } from './limit-events.js';

export function logLimitEvents(logger: Logger, intervalMs = 10_000): () => void {
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  return subscribeLimitEvents((event) => {
    if (event.type === 'store-state') {
      if (event.state === 'available') logger.info({ store: event.store }, 'limit store available');
      else logger.warn({ store: event.store }, 'limit store unavailable');
      return;
    }
    if (event.type !== 'store-error') return;
    const key = `${event.operation}:${event.policy ?? ''}`;
    const now = Date.now();
    const entry = lastLogged.get(key);
    if (entry && now - entry.at < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    lastLogged.set(key, { at: now, suppressed: 0 });
    const action =
      event.policy === 'open'
        ? 'admitting requests without this limit (fail open)'
        : event.policy === 'closed'
          ? 'refusing requests (fail closed)'
          : 'correction dropped';
    logger.warn(
      {
        store: event.store,
        operation: event.operation,
        limit: event.limit,
        policy: event.policy,
        suppressedSinceLast: entry?.suppressed ?? 0,
        err: event.error,
      },
      `limit store failed: ${action}`,
    );
  });
}
