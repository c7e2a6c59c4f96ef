// The abort state of one upstream attempt, tied to a parent signal (the client's request), with
// cancellable timers that abort it with a reason. One scope per attempt: a class (methods shared, no
// closures per scope), the scope itself as the parent's abort listener (handleEvent), its few timers
// in a small array.
//
// Its `signal` is not an AbortSignal but the scope itself, shaped as the EventEmitter that undici's
// `signal` option also accepts (undici/lib/api: `once('abort')`, `removeListener('abort')`,
// `aborted`, `reason`): building an AbortController and having undici add and remove an
// EventTarget listener on it were ~2 % of the gateway's main thread per request.

import type { RequestSignal } from '../core/request-signal.js';
import { tellAbortListeners } from './request-abort.js';

/** What an attempt's signal offers: its state, and undici's EventEmitter-style listener calls. */
export interface AttemptSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  on(event: 'abort', listener: () => void): unknown;
  once(event: 'abort', listener: () => void): unknown;
  removeListener(event: 'abort', listener: () => void): unknown;
}

export interface AbortScope {
  /** Hand to undici as its `signal` option (an EventEmitter-style signal). */
  readonly signal: AttemptSignal;
  abort(reason: unknown): void;
  /** Aborts with `reason()` after `ms` unless cancelled; returns the cancel function. */
  setTimer(ms: number, reason: () => unknown): () => void;
  /**
   * An idle timer: aborts with `reason()` after `ms` without a `touch()`. `touch` re-arms it
   * without allocating (Timeout#refresh), so it is cheap to call once per chunk.
   */
  setIdleTimer(ms: number, reason: () => unknown): { touch(): void; cancel(): void };
  /** Cancels every timer and detaches from the parent. Idempotent. */
  dispose(): void;
}

/**
 * Node keeps one timer list per duration and deletes it when its last timer is cleared. With one
 * attempt in flight at a time (any rate up to a few thousand a second), each attempt's timers
 * created and deleted their lists (a list object, a priority-queue insert and removal): set +
 * clear 0.4 µs warm; at 1,000 req/s setting an attempt's timer took ~1.5 µs more than with the
 * list kept, and clearing it about as much (BENCHMARKS.md, seventeenth session). An unref'd interval of the same duration, kept for the process's life,
 * holds each list, so an attempt's timer is an append and a removal. Only for durations of a
 * second or more (an anchor fires, and wakes the process, once per period: timeouts are seconds
 * to minutes) and at most `maxAnchoredDurations` of them (the config's timeouts are few).
 */
const anchoredDurations = new Set<number>();
const maxAnchoredDurations = 16;

function anchorTimerList(ms: number): void {
  if (ms < 1000 || anchoredDurations.has(ms) || anchoredDurations.size >= maxAnchoredDurations) {
    return;
  }
  setInterval(keepList, ms).unref();
  anchoredDurations.add(ms);
}

function keepList(): void {}

/** How many durations have an anchor (for the unit test). */
export function anchoredTimerDurations(): number {
  return anchoredDurations.size;
}

function fire(scope: Scope, timer: NodeJS.Timeout, reason: () => unknown): void {
  scope.forget(timer);
  scope.abort(reason());
}

class Scope implements AbortScope, AttemptSignal {
  readonly #parent: RequestSignal;
  /** Live timers (an attempt has at most three: total, first event, idle). */
  readonly #timers: NodeJS.Timeout[] = [];
  #attached = false;
  #aborted = false;
  #reason: unknown = undefined;
  /** The abort listeners (undici adds one per request; rarely more). */
  #listeners: Array<() => void> = [];

  constructor(parent: RequestSignal) {
    this.#parent = parent;
    if (parent.aborted) {
      this.#aborted = true;
      this.#reason = parent.reason;
    } else {
      parent.addEventListener('abort', this, { once: true });
      this.#attached = true;
    }
  }

  get signal(): AttemptSignal {
    return this;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  on(_event: 'abort', listener: () => void): this {
    this.#listeners.push(listener);
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    // Abort happens once: every listener is a once-listener.
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    const index = this.#listeners.indexOf(listener);
    if (index !== -1) this.#listeners.splice(index, 1);
    return this;
  }

  /** The parent's abort (EventListener object). */
  handleEvent(): void {
    this.#attached = false;
    this.abort(this.#parent.reason);
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = [];
    tellAbortListeners(listeners);
  }

  forget(timer: NodeJS.Timeout): boolean {
    const index = this.#timers.indexOf(timer);
    if (index === -1) return false;
    this.#timers.splice(index, 1);
    return true;
  }

  #start(ms: number, reason: () => unknown): NodeJS.Timeout {
    anchorTimerList(ms);
    const timer: NodeJS.Timeout = setTimeout(() => fire(this, timer, reason), ms);
    this.#timers.push(timer);
    return timer;
  }

  setTimer(ms: number, reason: () => unknown): () => void {
    const timer = this.#start(ms, reason);
    return () => {
      clearTimeout(timer);
      this.forget(timer);
    };
  }

  setIdleTimer(ms: number, reason: () => unknown): { touch(): void; cancel(): void } {
    const timer = this.#start(ms, reason);
    return {
      touch: () => {
        if (this.#timers.includes(timer)) timer.refresh();
      },
      cancel: () => {
        clearTimeout(timer);
        this.forget(timer);
      },
    };
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.length = 0;
    if (this.#attached) {
      this.#attached = false;
      this.#parent.removeEventListener('abort', this);
    }
  }
}

export function createAbortScope(parent: RequestSignal): AbortScope {
  return new Scope(parent);
}
