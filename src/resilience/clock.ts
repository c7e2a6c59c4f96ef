// The time source of the resilience code, injectable so tests move time instead of sleeping.

export interface Clock {
  /** Milliseconds, monotonic enough for cooldowns and deadlines. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** A clock for tests: time moves only by `advance`; `sleep` resolves when time passes it. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Sleeps requested so far (ms each), for assertions on backoff. */
  readonly sleeps: number[];
}

export function createManualClock(startMs = 0): ManualClock {
  let nowMs = startMs;
  const sleeps: number[] = [];
  const waiting = new Set<{ at: number; resolve: () => void }>();
  return {
    now: () => nowMs,
    sleeps,
    advance(ms) {
      nowMs += ms;
      for (const entry of waiting) {
        if (entry.at <= nowMs) {
          waiting.delete(entry);
          entry.resolve();
        }
      }
    },
    sleep(ms, signal) {
      sleeps.push(ms);
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason as Error);
          return;
        }
        const entry = { at: nowMs + ms, resolve };
        if (ms <= 0) {
          resolve();
          return;
        }
        waiting.add(entry);
        signal.addEventListener(
          'abort',
          () => {
            waiting.delete(entry);
            reject(signal.reason as Error);
          },
          { once: true },
        );
      });
    },
  };
}
