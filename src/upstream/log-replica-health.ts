// Logs each replica ejection (warn) and re-admission (info) of self-hosted pools.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { replicaHealthChannel, type ReplicaHealthEvent } from './replica-pool.js';

export function logReplicaHealth(logger: Logger): () => void {
  const onEvent = (message: unknown) => {
    const event = message as ReplicaHealthEvent;
    const fields = {
      pool: event.pool,
      replica: event.replica,
      url: event.url,
      reason: event.reason,
    };
    if (event.healthy) logger.info(fields, 'replica re-admitted');
    else logger.warn(fields, 'replica ejected');
  };
  subscribe(replicaHealthChannel.name, onEvent);
  return () => unsubscribe(replicaHealthChannel.name, onEvent);
}
