// Config of `type: anthropic` providers (docs/anthropic.md, docs/config.md "Anthropic providers").

import { z } from 'zod';

export const anthropicProviderSchema = z.strictObject({
  /**
   * `anthropic-version` sent on translated requests (OpenAI surface → Anthropic). The same-format
   * fast path forwards the client's own header. 2026-10-21 is what the current SDKs send; it has
   * no temperature/top_p/top_k. '2023-06-01' keeps them for the models that still accept them.
   */
  version: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an API version date like 2026-10-21')
    .default('2026-10-21'),
  /** `anthropic-beta` flags sent on every request (merged with the client's on the fast path). */
  betas: z.array(z.string().min(1)).default([]),
  /** `max_tokens` for requests that set none (Anthropic requires it; OpenAI clients often omit it). */
  defaultMaxTokens: z.number().int().positive().default(4096),
  /**
   * Sampling parameters the API version or model rejects: 'drop' leaves them out of the upstream
   * request; 'refuse' answers 400 naming the parameter.
   */
  unsupportedParameters: z.enum(['drop', 'refuse']).default('drop'),
  /** How the provider key is sent: `x-api-key` (accepted everywhere) or `Authorization: Bearer`. */
  authHeader: z.enum(['x-api-key', 'bearer']).default('x-api-key'),
});

export type AnthropicProviderConfig = z.output<typeof anthropicProviderSchema>;
