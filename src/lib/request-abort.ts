// The abort state of one client request, for the gateway's server to create per request instead of
// an AbortController: an AbortController builds an EventTarget (with its listener map) on first
// `signal` access, and each attempt adds and removes a listener on it; together ~3.5 % of the
// main thread per chat request (CPU profile of the gateway at saturation). This is one small object
// with a listener array. `toAbortSignal` makes a real AbortSignal that follows it, for the APIs that
// need one (AbortSignal.any, fetch), only where they are used.

import type { RequestAbortListener, RequestSignal } from '../core/request-signal.js';

export class RequestAbort implements RequestSignal {
  #aborted = false;
  #reason: unknown = undefined;
  #listeners: RequestAbortListener[] | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Every listener is a once-listener (a request aborts once), so `options` changes nothing. */
  addEventListener(
    _type: 'abort',
    listener: RequestAbortListener,
    _options?: { once?: boolean },
  ): void {
    if (this.#aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: RequestAbortListener): void {
    const listeners = this.#listeners;
    if (!listeners) return;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }

  /** Aborts once with `reason`: each listener is called once, in the order added. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) tellAbortListeners(listeners);
  }
}

/**
 * Calls each abort listener once, in order. As an EventTarget does, a listener that throws does not
 * stop the others: its error surfaces uncaught. (Also the attempt scope's, lib/abort-scope.ts.)
 */
export function tellAbortListeners(listeners: readonly RequestAbortListener[]): void {
  for (const listener of listeners) {
    try {
      if (typeof listener === 'function') listener();
      else listener.handleEvent();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/** A real AbortSignal that aborts (with the same reason) when `signal` does. */
export function toAbortSignal(signal: RequestSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  if (signal.aborted) return AbortSignal.abort(signal.reason);
  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}
