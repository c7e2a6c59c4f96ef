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

export function createLogger(options: {
  level: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'switchyard' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
