// One info line per finished request, from the request-finished event. No prompt or key in it.

import type { Logger } from 'pino';
import { subscribeRequestFinished } from './events.js';

export function logRequests(logger: Logger): () => void {
  return subscribeRequestFinished(({ context, durationMs, status, aborted }) => {
    if (!logger.isLevelEnabled('info')) return;
    const usage = context.usage;
    logger.info(
      {
        requestId: context.requestId,
        surface: context.surface.name,
        operation: context.operation,
        model: context.route?.alias,
        deployment: context.served?.id,
        status,
        aborted,
        streamed: context.streamed,
        attempts: context.attempts.length,
        durationMs: Math.round(durationMs * 10) / 10,
        ttftMs: context.ttftMs === undefined ? undefined : Math.round(context.ttftMs * 10) / 10,
        inputTokens: usage?.input.total,
        cachedTokens: usage?.input.cacheRead,
        outputTokens: usage?.output.total,
        user: context.metadata.user,
        feature: context.metadata.feature,
        error: context.error?.code,
      },
      'request',
    );
  });
}
