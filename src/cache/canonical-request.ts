// The canonical form of a chat request for cache keys: every field that changes the answer, with
// object keys sorted, hashed with SHA-256. Formatting of the client's JSON never matters because
// the key is computed from the decoded request.

import { hash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '../core/index.js';

/** Characters JSON.stringify escapes in a string (any surrogate: lone ones are escaped). */
// eslint-disable-next-line no-control-regex
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(text), without its copy for the usual string that needs no escapes. */
function quote(text: string): string {
  return needsEscape.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * Sorted by UTF-16 code units (the `<` of strings), in place. Few keys, the usual case, by
 * insertion: Array.prototype.sort allocates ~0.9 KB of work space even for two keys.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index] as string;
    let at = index - 1;
    while (at >= 0 && (keys[at] as string) > key) {
      keys[at + 1] = keys[at] as string;
      at--;
    }
    keys[at + 1] = key;
  }
  return keys;
}

/**
 * JSON with object keys sorted at every depth; `undefined` members are left out. Written as one
 * pass of string building (no entry arrays, filtered copies or joined maps): a cache lookup
 * canonicalises the whole request, and the cache keys it feeds must stay byte-for-byte the same.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      break;
    case 'undefined':
    case 'function':
    case 'symbol':
    case 'bigint':
      // The first three become null; a bigint throws, as JSON.stringify does.
      return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) text += ',';
      const item: unknown = value[index];
      // A hole stays empty (as map + join left it); an undefined item is null.
      if (item === undefined && !(index in value)) continue;
      text += canonicalJson(item);
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortKeys(Object.keys(record));
  let text = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (text.length > 1) text += ',';
    text += `${quote(key)}:${canonicalJson(member)}`;
  }
  return `${text}}`;
}

export function sha256Hex(text: string): string {
  // The one-shot hash: no Hash object per call (same digest as createHash().update().digest()).
  return hash('sha256', text, 'hex');
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
