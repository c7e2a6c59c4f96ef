// Decides whether a request may use the cache, and why not when it may not.

import type { ChatRequest } from '../core/index.js';

export type CacheMode = 'deterministic' | 'always' | 'off';

export type Cacheability = { cacheable: true } | { cacheable: false; reason: string };

/**
 * Extra (non-modelled) request fields whose answers the cache cannot hold: the cached form keeps
 * one choice, without log probabilities or audio.
 */
const unrepresentableFields = ['logprobs', 'top_logprobs', 'audio', 'modalities', 'prediction'];

// The decisions, made once and shared (frozen: callers only read them).
const cacheable: Cacheability = Object.freeze({ cacheable: true });
const refusal = (reason: string): Cacheability => Object.freeze({ cacheable: false, reason });
const noStore = refusal('no-store');
const disabled = refusal('disabled');
const severalChoices = refusal('several_choices');
const notDeterministic = refusal('not_deterministic');
const unsupported = unrepresentableFields.map((field) => refusal(`unsupported_${field}`));

/**
 * Deterministic = `temperature` 0, or `temperature` unset with a `seed` (the provider then samples
 * reproducibly). A request with any other temperature is only cached when forced.
 */
export function isDeterministic(request: ChatRequest): boolean {
  if (request.temperature === 0) return true;
  return request.temperature === undefined && request.seed !== undefined;
}

export function decideCacheability(options: {
  request: ChatRequest;
  mode: CacheMode;
  directive: 'no-store' | 'force' | undefined;
}): Cacheability {
  const { request, mode, directive } = options;
  if (directive === 'no-store') return noStore;
  if (mode === 'off') return disabled;
  const extra = request.extra;
  const choices = extra.n;
  if (typeof choices === 'number' && choices !== 1) return severalChoices;
  for (let index = 0; index < unrepresentableFields.length; index++) {
    const value = extra[unrepresentableFields[index] as string];
    if (value !== undefined && value !== null && value !== false) {
      return unsupported[index] as Cacheability;
    }
  }
  if (directive === 'force' || mode === 'always') return cacheable;
  if (!isDeterministic(request)) return notDeterministic;
  return cacheable;
}
