// When the fixed-rate generator sends: a thread that sleeps to each scheduled instant and wakes
// the generator's event loop, instead of Node's timers.
//
// Node's timers have millisecond granularity: at 1,000 req/s a request left 0–1.1 ms after its
// scheduled time, and when a timer fired late two requests left together, so the second one queued
// behind the first in the target. Both are the generator's own artefacts: the lag is inside every
// target's latency (it is timed from the scheduled send) and widens every percentile's noise; the
// pairs charge each target a second request's service time at random. `Atomics.wait` in a worker
// takes a fractional timeout (a futex with a high-resolution timer), so the worker wakes within
// tens of µs of each scheduled instant and posts the request's index; the main thread's loop wakes
// on the message and sends. The thread sleeps in between: no core is spent spinning.

import { Worker } from 'node:worker_threads';

/** How the generator waits for each scheduled send. */
export type SendClock = 'thread' | 'timer';

export const sendClocks: readonly SendClock[] = ['thread', 'timer'];

export interface SendTicker {
  /** Stops the thread (it also stops by itself after the last index). */
  stop(): Promise<void>;
}

// Plain JavaScript, evaluated in the worker (no build step; the same from source and from dist).
// The schedule is on the monotonic clock (process.hrtime), which every thread shares.
const tickerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { startMs, intervalMs, total, control } = workerData;
const flag = new Int32Array(control);
const nowMs = () => { const [s, ns] = process.hrtime(); return s * 1e3 + ns / 1e6; };
for (let index = 0; index < total; index++) {
  const due = startMs + index * intervalMs;
  for (;;) {
    if (Atomics.load(flag, 0) !== 0) process.exit(0);
    const wait = due - nowMs();
    if (wait <= 0) break;
    Atomics.wait(flag, 0, 0, wait);
  }
  parentPort.postMessage(index);
}
`;

/** Milliseconds on the monotonic clock the ticker thread uses. */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

/**
 * Calls `onDue(index)` on this thread's event loop at `startMs + index * intervalMs` (monotonic
 * clock, `monotonicMs()`), for index 0 … total − 1, each as soon as the loop is free.
 */
export function startSendTicker(
  schedule: { startMs: number; intervalMs: number; total: number },
  onDue: (index: number) => void,
  onError: (error: Error) => void,
): SendTicker {
  const control = new SharedArrayBuffer(4);
  const worker = new Worker(tickerSource, {
    eval: true,
    workerData: { ...schedule, control },
  });
  worker.on('message', onDue);
  worker.on('error', onError);
  return {
    async stop() {
      const flag = new Int32Array(control);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    },
  };
}
