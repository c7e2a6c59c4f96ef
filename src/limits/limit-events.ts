// Limiter events on node:diagnostics_channel: store failures (with the policy applied), store state
// changes, refusals and alerts. Metrics and logs subscribe; the request path imports no exporter.

import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';

export type LimitEvent =
  | { type: 'store-state'; store: 'redis'; state: 'available' | 'unavailable' }
  | {
      type: 'store-error';
      store: 'memory' | 'redis';
      operation: string;
      error: Error;
      /** What the request path did about it: admitted anyway (open) or refused (closed). */
      policy?: 'open' | 'closed';
      limit?: 'rate' | 'cap';
    }
  | {
      type: 'refused';
      limit: 'rate' | 'cap';
      /** The bucket or cap that refused (e.g. `user:alice`, `key:key_…`, `feature:search`). */
      subject: string;
      requestId: string;
    }
  | {
      type: 'alert';
      cap: string;
      perMille: number;
      spentUsd: number;
      limitUsd: number;
      resetAt: string;
    };

export const limitEventsChannelName = 'switchyard:limits';
const limitChannel = channel(limitEventsChannelName);

export function publishLimitEvent(event: LimitEvent): void {
  if (limitChannel.hasSubscribers) limitChannel.publish(event);
}

export function subscribeLimitEvents(listener: (event: LimitEvent) => void): () => void {
  const handler = (message: unknown) => listener(message as LimitEvent);
  subscribe(limitEventsChannelName, handler);
  return () => {
    unsubscribe(limitEventsChannelName, handler);
  };
}
