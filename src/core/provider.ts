// The contract every provider implements; the pipeline calls it once per attempt.

import type { ChatRequest, EmbeddingsRequest } from './chat-request.js';
import type { ChatResponse, EmbeddingsResponse } from './chat-response.js';
import type { RequestSignal } from './request-signal.js';
import type { StreamPart, WireFormat } from './stream-part.js';

export interface Timeouts {
  connectMs: number;
  /** Stream: time to the first byte and the first event; non-stream answers use totalMs. */
  firstByteMs: number;
  /** Longest silence between two body chunks. */
  idleMs: number;
  /** The whole attempt. */
  totalMs: number;
}

export interface Deployment {
  /** Unique id, `<alias>[<index>]` or the configured name; used by breakers, metrics, traces. */
  id: string;
  provider: string;
  /** The model name sent upstream (or a vLLM LoRA adapter name). */
  model: string;
  region?: string;
  timeouts: Timeouts;
  /** Retries on this deployment before the next one; unset = the global retry policy's. */
  maxRetries?: number;
}

export interface ProviderCall<TRequest> {
  request: TRequest;
  deployment: Deployment;
  /**
   * The client's original body when the surface speaks this provider's wire format: the provider
   * patches what it must (model, stream usage) and forwards the rest verbatim.
   */
  passthroughBody?: Record<string, unknown>;
  /**
   * The client's request headers, given with `passthroughBody` (Anthropic forwards the client's
   * `anthropic-version` and `anthropic-beta`: its body was written for them).
   */
  clientHeaders?: Readonly<Record<string, string | string[] | undefined>>;
  signal: RequestSignal;
  /** Per-attempt timeouts (usually the deployment's). */
  timeouts: Timeouts;
}

export interface ChatResult {
  response: ChatResponse;
  /** The upstream body, when it is already in the caller's wire format (fast path). */
  raw?: Record<string, unknown>;
  /** The bytes `raw` was parsed from: sent as they are when the surface answers with `raw`. */
  rawBytes?: Buffer;
}

/**
 * Stream parts grouped by the upstream read that produced them, offered by a provider's stream
 * beside the part-by-part iteration (read one or the other): what arrived together is written to
 * the client together, as a byte pipe would, and costs one iteration step instead of one per part.
 */
export interface BatchedParts {
  batches(): AsyncIterator<readonly StreamPart[]>;
}

export function hasPartBatches(
  parts: AsyncIterable<StreamPart>,
): parts is AsyncIterable<StreamPart> & BatchedParts {
  return typeof (parts as Partial<BatchedParts>).batches === 'function';
}

export interface Provider {
  readonly name: string;
  readonly type: string;
  readonly wireFormat: WireFormat;
  chat(call: ProviderCall<ChatRequest>): Promise<ChatResult>;
  /**
   * Resolves once the upstream accepted the stream (2xx headers); rejects with UpstreamError
   * before that. Failures after that arrive as an `error` part.
   */
  chatStream(call: ProviderCall<ChatRequest>): Promise<AsyncIterable<StreamPart>>;
  embeddings?(call: ProviderCall<EmbeddingsRequest>): Promise<EmbeddingsResponse>;
  /** The provider's own prompt-token count (Anthropic /v1/messages/count_tokens). */
  countTokens?(call: ProviderCall<ChatRequest>): Promise<{ inputTokens: number }>;
  close(): Promise<void>;
}
