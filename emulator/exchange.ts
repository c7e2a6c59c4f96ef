// One request/response pair: close tracking, close-aware sleeps, and the fault chosen for it.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FaultPlan } from './types.js';

export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  method: string;
  path: string;
  /** Parsed JSON body; undefined for no body; `bodyError` is set when it was not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, probed field by field
  body: any;
  bodyError: boolean;
  fault: FaultPlan | undefined;
  requestId: string;
  /** Headers every reply carries (x-emulator-name, request id). */
  baseHeaders: OutgoingHttpHeaders;
  /** True once the response closed, finished or not: stop writing. */
  readonly closed: boolean;
  /** Resolves after `ms`, or at once when the response closes. Keeps no timer after close. */
  sleep(ms: number): Promise<void>;
  /** Resolves when the response closes (hang faults); uses no timer. */
  untilClosed(): Promise<void>;
  /** Destroys the socket on purpose (reset faults); not counted as a client abort. */
  reset(): void;
  /** True when reset() was called. */
  readonly wasReset: boolean;
}

export interface ExchangeInit {
  request: IncomingMessage;
  response: ServerResponse;
  method: string;
  path: string;
  requestId: string;
  baseHeaders: OutgoingHttpHeaders;
}

export function createExchange(init: ExchangeInit): Exchange {
  let closed = false;
  let wasReset = false;
  const waiters = new Set<() => void>();
  init.response.once('close', () => {
    closed = true;
    for (const wake of waiters) wake();
    waiters.clear();
  });
  return {
    ...init,
    body: undefined,
    bodyError: false,
    fault: undefined,
    get closed() {
      return closed;
    },
    get wasReset() {
      return wasReset;
    },
    sleep(ms) {
      if (ms <= 0 || closed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        waiters.add(wake);
      });
    },
    untilClosed() {
      if (closed) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.add(resolve));
    },
    reset() {
      wasReset = true;
      init.response.socket?.destroy();
    },
  };
}
