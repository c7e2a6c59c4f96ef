// A trace record for tests that write rows straight to the trace store: a plain successful chat
// request an hour ago, with every field set; a test overrides what it is about.

import { randomUUID } from 'node:crypto';
import type { TraceRecord } from '../../src/telemetry/build-trace-record.js';

export function traceRecord(overrides: Partial<TraceRecord> = {}): TraceRecord {
  return {
    time: new Date(Date.now() - 3_600_000).toISOString(),
    requestId: randomUUID(),
    keyId: null,
    user: 'u1',
    session: null,
    feature: 'search',
    region: null,
    surface: 'openai',
    operation: 'chat',
    requestedModel: 'fast',
    routedModel: 'gpt-4o-mini',
    provider: 'openai',
    deployment: 'openai/gpt-4o-mini',
    routeReason: 'alias:fast',
    attempts: [
      { deployment: 'openai/gpt-4o-mini', provider: 'openai', outcome: 'success', latencyMs: 90 },
    ],
    cacheStatus: null,
    inputTokens: 100,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 10,
    reasoningTokens: 0,
    ttftMs: null,
    totalMs: 100,
    upstreamMs: 90,
    overheadMs: 10,
    costUsd: 1,
    cacheSavedUsd: null,
    status: 200,
    errorCode: null,
    errorClass: null,
    finishReason: 'stop',
    streamed: false,
    aborted: false,
    promptText: null,
    responseText: null,
    ...overrides,
  };
}
