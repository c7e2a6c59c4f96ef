// Per-instance state shared by the route handlers: options, fault queue, prefix cache, counters.
import type { FaultQueue } from './fault-queue.js';
import type { PrefixCache } from './prefix-cache.js';
import type { ErrorSpec } from './render-error.js';
import type { EmulatorKind } from './types.js';

export interface ResolvedOptions {
  kind: EmulatorKind;
  name: string;
  /** undefined = accept any model. */
  models: Set<string> | undefined;
  /** The served (vLLM base) model: models[0] or a default. */
  baseModel: string;
  loraAdapters: string[];
  promptTokensDetails: boolean;
  apiKey: string | undefined;
  prefixCaching: boolean;
  vllmErrorShape: 'nested' | 'flat';
}

export interface GenerationCounters {
  promptTokens: number;
  generationTokens: number;
  prefixQueries: number;
  prefixHits: number;
  /** vllm:request_success_total by finished_reason. */
  finished: Record<string, number>;
}

export interface EmulatorContext {
  options: ResolvedOptions;
  faults: FaultQueue;
  prefixCache: PrefixCache;
  counters: GenerationCounters;
  /** API requests in flight (for vllm:num_requests_running). */
  inFlight(): number;
  /** A unique id with a prefix, e.g. nextId('chatcmpl-'). */
  nextId(prefix: string): string;
  renderError(spec: ErrorSpec, requestId: string): string;
  /** True when `model` is served (always true without the `models` option). */
  isKnownModel(model: string): boolean;
}
