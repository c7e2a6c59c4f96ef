// The canonical form of a chat request for cache keys: every field that changes the answer, with
// object keys sorted, hashed with SHA-256. Formatting of the client's JSON never matters because
// the key is computed from the decoded request.

import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '../core/index.js';

/** JSON with object keys sorted at every depth; `undefined` members are left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Everything in the request that can change the answer. Left out on purpose: `stream` and
 * `includeUsage` (a cached answer is replayed in either form), `user` and `metadata` (labels, not
 * inputs; the tenant scopes the key instead).
 */
export function answerDefiningFields(request: ChatRequest, messages?: ChatMessage[]) {
  return {
    model: request.model,
    messages: messages ?? request.messages,
    maxOutputTokens: request.maxOutputTokens,
    temperature: request.temperature,
    topP: request.topP,
    topK: request.topK,
    stop: request.stop,
    seed: request.seed,
    frequencyPenalty: request.frequencyPenalty,
    presencePenalty: request.presencePenalty,
    tools: request.tools,
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
    responseFormat: request.responseFormat,
    extra: request.extra,
  };
}

/** The exact-cache key: `<tenant>:<sha256 of the canonical request>`. */
export function exactCacheKey(tenant: string, request: ChatRequest): string {
  return `${encodeURIComponent(tenant)}:${sha256Hex(canonicalJson(answerDefiningFields(request)))}`;
}
