// Decides whether a request may use the cache, and why not when it may not.

import type { ChatRequest } from '../core/index.js';

export type CacheMode = 'deterministic' | 'always' | 'off';

export type Cacheability = { cacheable: true } | { cacheable: false; reason: string };

/**
 * Extra (non-modelled) request fields whose answers the cache cannot hold: the cached form keeps
 * one choice, without log probabilities or audio.
 */
const unrepresentableFields = ['logprobs', 'top_logprobs', 'audio', 'modalities', 'prediction'];

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
  if (directive === 'no-store') return { cacheable: false, reason: 'no-store' };
  if (mode === 'off') return { cacheable: false, reason: 'disabled' };
  const choices = request.extra.n;
  if (typeof choices === 'number' && choices !== 1) {
    return { cacheable: false, reason: 'several_choices' };
  }
  for (const field of unrepresentableFields) {
    const value = request.extra[field];
    if (value !== undefined && value !== null && value !== false) {
      return { cacheable: false, reason: `unsupported_${field}` };
    }
  }
  if (directive === 'force' || mode === 'always') return { cacheable: true };
  if (!isDeterministic(request)) return { cacheable: false, reason: 'not_deterministic' };
  return { cacheable: true };
}
