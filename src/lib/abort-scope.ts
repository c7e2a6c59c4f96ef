// An AbortController tied to a parent signal, with cancellable timers that abort it with a reason.
// One scope per upstream attempt: a class (methods shared, no closures per scope), the scope
// itself as the parent's abort listener (handleEvent), and its few timers in a small array.

export interface AbortScope {
  readonly signal: AbortSignal;
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

function fire(scope: Scope, timer: NodeJS.Timeout, reason: () => unknown): void {
  scope.forget(timer);
  scope.abort(reason());
}

class Scope implements AbortScope {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal;
  /** Live timers (an attempt has at most three: total, first event, idle). */
  readonly #timers: NodeJS.Timeout[] = [];
  #attached = false;

  constructor(parent: AbortSignal) {
    this.#parent = parent;
    if (parent.aborted) this.#controller.abort(parent.reason);
    else {
      parent.addEventListener('abort', this, { once: true });
      this.#attached = true;
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The parent's abort (EventListener object). */
  handleEvent(): void {
    this.#attached = false;
    this.abort(this.#parent.reason);
  }

  abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  forget(timer: NodeJS.Timeout): boolean {
    const index = this.#timers.indexOf(timer);
    if (index === -1) return false;
    this.#timers.splice(index, 1);
    return true;
  }

  #start(ms: number, reason: () => unknown): NodeJS.Timeout {
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

export function createAbortScope(parent: AbortSignal): AbortScope {
  return new Scope(parent);
}
