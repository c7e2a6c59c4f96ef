// pino JSON logger with secrets redacted wherever they could appear.

import { pino, type Logger } from 'pino';

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
      last = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return last;
  };
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
    options.destination ?? pino.destination({ sync: false }),
  );
}
