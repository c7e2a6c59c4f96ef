// Observability by events: stages and the server publish here; metrics, logs and traces subscribe,
// so the hot path imports no exporter. A channel with no subscriber costs one boolean check.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { RequestContext } from '../pipeline/request-context.js';

export interface RequestFinishedEvent {
  context: RequestContext;
  /** ms from the first byte of the request to the end of the response. */
  durationMs: number;
  status: number;
  /** The client went away before the response was complete. */
  aborted: boolean;
}

export const requestFinishedChannel = diagnosticsChannel.channel('switchyard:request:finished');

export function publishRequestFinished(event: RequestFinishedEvent): void {
  if (requestFinishedChannel.hasSubscribers) requestFinishedChannel.publish(event);
}

export function subscribeRequestFinished(
  listener: (event: RequestFinishedEvent) => void,
): () => void {
  const handler = (message: unknown) => listener(message as RequestFinishedEvent);
  requestFinishedChannel.subscribe(handler);
  return () => requestFinishedChannel.unsubscribe(handler);
}
