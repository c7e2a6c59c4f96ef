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

/**
 * A class, not an object literal: a literal with `get closed()` and `get wasReset()` closing over
 * per-request variables gave every request's object a hidden class (map) of its own, since each
 * accessor pair was new. Those maps and their descriptor arrays live in the old generation until a
 * mark-compact, and pointed at the request's closures, request and response, so every request's
 * objects survived the scavenges in between and were promoted: at 1,000 req/s scavenges of
 * 2.6-4 MB of survivors (4-6 ms pauses every ~0.4 s) and a mark-compact every ~1.5 s, which the
 * benchmark's targets all waited out (BENCHMARKS.md, nineteenth session). The getters here live
 * on the prototype: one map for every exchange.
 */
class RequestExchange implements Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  readonly baseHeaders: OutgoingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, probed field by field
  body: any = undefined;
  bodyError = false;
  fault: FaultPlan | undefined = undefined;
  #closed = false;
  #wasReset = false;
  readonly #waiters = new Set<() => void>();

  constructor(init: ExchangeInit) {
    this.request = init.request;
    this.response = init.response;
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.baseHeaders = init.baseHeaders;
    init.response.once('close', () => {
      this.#closed = true;
      for (const wake of this.#waiters) wake();
      this.#waiters.clear();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get wasReset(): boolean {
    return this.#wasReset;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#closed) return Promise.resolve();
    const waiters = this.#waiters;
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      waiters.add(wake);
    });
  }

  untilClosed(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.#waiters.add(resolve));
  }

  reset(): void {
    this.#wasReset = true;
    this.response.socket?.destroy();
  }
}

export function createExchange(init: ExchangeInit): Exchange {
  return new RequestExchange(init);
}
