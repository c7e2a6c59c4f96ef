// An AbortController tied to a parent signal, with cancellable timers that abort it with a reason.

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

export function createAbortScope(parent: AbortSignal): AbortScope {
  const controller = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const onParentAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    abort(reason) {
      if (!controller.signal.aborted) controller.abort(reason);
    },
    setTimer(ms, reason) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!controller.signal.aborted) controller.abort(reason());
      }, ms);
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    setIdleTimer(ms, reason) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!controller.signal.aborted) controller.abort(reason());
      }, ms);
      timers.add(timer);
      return {
        touch: () => {
          if (timers.has(timer)) timer.refresh();
        },
        cancel: () => {
          clearTimeout(timer);
          timers.delete(timer);
        },
      };
    },
    dispose() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
