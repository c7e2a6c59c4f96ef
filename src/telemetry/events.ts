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

/**
 * A deployment's circuit breaker changed state (closed / open / half-open). Published by the
 * breaker registry (src/resilience/create-breaker-registry.ts); metrics and logs subscribe.
 */
export interface BreakerStateChangedEvent {
  deployment: string;
  provider: string;
  from: 'closed' | 'open' | 'half-open';
  to: 'closed' | 'open' | 'half-open';
  /** Why: "5 consecutive failures (last: …)", "cooldown of 30000 ms over", "probe succeeded". */
  reason: string;
  /** Wall-clock time of the change (ms since epoch). */
  at: number;
  consecutiveFailures: number;
  /** The cooldown now in force (grows with failed probes). */
  cooldownMs: number;
}

export const breakerStateChannel = diagnosticsChannel.channel('switchyard:breaker:state');

export function publishBreakerStateChanged(event: BreakerStateChangedEvent): void {
  if (breakerStateChannel.hasSubscribers) breakerStateChannel.publish(event);
}

export function subscribeBreakerStateChanged(
  listener: (event: BreakerStateChangedEvent) => void,
): () => void {
  const handler = (message: unknown) => listener(message as BreakerStateChangedEvent);
  breakerStateChannel.subscribe(handler);
  return () => breakerStateChannel.unsubscribe(handler);
}

/**
 * An upstream attempt started / ended (one per deployment tried). Published by invokeUpstream;
 * the in-flight-per-deployment gauge (the autoscaling signal) subscribes. Every start has one end.
 */
export interface AttemptEvent {
  context: RequestContext;
  deployment: { id: string; provider: string; model: string };
}

export const attemptStartedChannel = diagnosticsChannel.channel('switchyard:attempt:started');
export const attemptFinishedChannel = diagnosticsChannel.channel('switchyard:attempt:finished');

export function publishAttemptStarted(event: AttemptEvent): void {
  if (attemptStartedChannel.hasSubscribers) attemptStartedChannel.publish(event);
}

export function publishAttemptFinished(event: AttemptEvent): void {
  if (attemptFinishedChannel.hasSubscribers) attemptFinishedChannel.publish(event);
}
