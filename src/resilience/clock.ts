// The time source of the resilience code, injectable so tests move time instead of sleeping.

import type { RequestSignal } from '../core/index.js';

export interface Clock {
  /** Milliseconds, monotonic enough for cooldowns and deadlines. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal: RequestSignal): Promise<void>;
}

/** The abort's reason as the sleep's rejection (the gateway's reasons are Errors already). */
function abortError(signal: RequestSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal));
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
          reject(abortError(signal));
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
            reject(abortError(signal));
          },
          { once: true },
        );
      });
    },
  };
}
