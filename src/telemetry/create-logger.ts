// pino JSON logger with secrets redacted wherever they could appear.

import { pino, type Logger } from 'pino';
import { isoTime } from '../lib/iso-time.js';

export const redactPaths = [
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'key',
  '*.key',
  '*.*.*.apiKey',
  'headers["proxy-authorization"]',
  '*.headers["proxy-authorization"]',
  'headers.cookie',
  '*.headers.cookie',
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  '*.*.secretAccessKey',
];

/**
 * pino's isoTime (`,"time":"2026-11-27T08:00:00.000Z"`), formatted once per millisecond: lines
 * logged in the same millisecond share the string instead of each formatting a Date.
 */
export function createIsoTime(): () => string {
  let lastMs = Number.NaN;
  let last = '';
  return () => {
    const ms = Date.now(); // read per call, like pino's isoTime (mocked clocks apply)
    if (ms !== lastMs) {
      lastMs = ms;
      last = `,"time":"${isoTime(ms)}"`;
    }
    return last;
  };
}

/**
 * stdout, asynchronously, in writes of at least 16 KB (~40 request lines) or within 100 ms of a
 * line, whichever comes first. Each write is a job for libuv's thread pool (a string copy and a
 * wake-up of a pool thread): at 4 KB (until the ninth session) those hand-offs took 3.1 % of the
 * main thread's CPU under max-rate load, at 16 KB 1.0 % (CPU profiles, chat at max rate). maxWrite
 * is raised with it (sonic-boom requires minLength < maxWrite; its default maxWrite is 16 KB). pino
 * flushes the buffer synchronously when the process exits (its exit hook; also on process.exit()
 * after a fatal error); only a hard kill (SIGKILL, out of memory) can lose the last < 200 ms of
 * lines (request lines are held up to 100 ms before they reach it: log-requests.ts). Asynchronous
 * rather than pino's synchronous default: with a full stdout pipe (a stalled log collector)
 * sonic-boom's synchronous writes retry by blocking the event loop.
 */
const bufferedDestination = {
  sync: false,
  minLength: 16 * 1024,
  maxWrite: 64 * 1024,
} as const;

/** How soon a line written to the buffered destination is flushed at the latest. */
export const flushWithinMs = 100;

/** The part of pino's destination (sonic-boom) the flush timer uses. */
export interface FlushableDestination {
  write(text: string): unknown;
  flush(): void;
  end(): void;
  /** sonic-boom sets it once closed (its types do not declare it). */
  readonly destroyed?: boolean;
  /**
   * sonic-boom's own state, not in its types: a write in flight (a flush then does nothing), and
   * the characters it holds. Without them (another destination) every timer flushes once.
   */
  readonly _writing?: boolean;
  readonly _len?: number;
}

/**
 * Flushes the destination within `withinMs` of a write, by a timer armed by the first write after
 * everything went out, instead of sonic-boom's `periodicFlush`, whose interval flushed every 100 ms
 * even with nothing held: each such flush was a 0-byte write handed to libuv's thread pool (a pool
 * thread woken, then the main thread for its callback), so an idle gateway woke ~30 times a second
 * for its log alone. The timer comes back while the destination is writing or still holds lines (a
 * flush during a write in flight does nothing, and a write takes at most maxWrite), and stops once
 * all is out: an idle gateway's log wakes nothing. Unref'd (pino's exit hook flushes); cleared by
 * end().
 */
export function flushAfterWrites<Destination extends FlushableDestination>(
  destination: Destination,
  withinMs: number = flushWithinMs,
): Destination {
  let timer: NodeJS.Timeout | undefined;
  const write = destination.write.bind(destination);
  const end = destination.end.bind(destination);
  const arm = () => {
    timer = setTimeout(onTimer, withinMs);
    timer.unref();
  };
  function onTimer() {
    timer = undefined;
    if (destination.destroyed === true) return;
    const held = destination._len;
    // Through the instance's flush (log-requests.ts wraps it to hand held lines over first).
    if (destination._writing !== true && (held === undefined || held > 0)) destination.flush();
    if (destination._writing === true || (destination._len ?? 0) > 0) arm();
  }
  destination.write = (text: string) => {
    const result = write(text);
    if (timer === undefined) arm();
    return result;
  };
  destination.end = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    end();
  };
  return destination;
}

export function createLogger(options: {
  level: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'switchyard' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: createIsoTime(),
    },
    options.destination ?? flushAfterWrites(pino.destination(bufferedDestination)),
  );
}
