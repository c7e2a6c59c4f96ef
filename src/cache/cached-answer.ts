// The stored form of a cached answer: the internal ChatResponse plus what the trace needs.

import type { ChatResponse } from '../core/index.js';

export interface CachedAnswer {
  version: 1;
  response: ChatResponse;
  /** ms since epoch when the answer was stored. */
  storedAt: number;
  /** The deployment that produced it (for the saved-cost figure). */
  deployment?: string;
  provider?: string;
}

export function encodeCachedAnswer(answer: CachedAnswer): Buffer {
  return Buffer.from(JSON.stringify(answer), 'utf8');
}

export function decodeCachedAnswer(bytes: Buffer): CachedAnswer | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as Partial<CachedAnswer>;
    if (value.version !== 1 || !value.response || !Array.isArray(value.response.content)) {
      return undefined;
    }
    return value as CachedAnswer;
  } catch {
    return undefined;
  }
}
