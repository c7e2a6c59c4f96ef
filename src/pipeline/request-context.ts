// The per-request context the stages share; each field says which stage adds it.

import type { IncomingHttpHeaders } from 'node:http';
import type { VirtualKey } from '../keys/virtual-key.js';
import type { TokenEstimate } from '../limits/estimate-tokens.js';
import type {
  ChatRequest,
  ChatResponse,
  StreamPart,
  Deployment,
  EmbeddingsRequest,
  FinishReason,
  GatewayError,
  RequestSignal,
  Surface,
  Usage,
} from '../core/index.js';

/** Where the response goes; implemented by the HTTP server. */
export interface ResponseSink {
  /** Whether the status line and headers were sent (after that, no fallback and no JSON error). */
  readonly headersSent: boolean;
  /** Whether the client went away. */
  readonly closed: boolean;
  setHeader(name: string, value: string): void;
  sendJson(status: number, body: unknown, headers?: Record<string, string>): void;
  startStream(): void;
  /**
   * Writes a piece of SSE text now, as its own write: the events made from one upstream read come
   * as one piece, and nothing is held back for later data.
   */
  write(text: string): void;
  /** Ends the response, after writing `text` (the last piece) in the same write. */
  end(text?: string): void;
}

export interface RequestMetadata {
  user?: string;
  session?: string;
  feature?: string;
  region?: string;
  cache?: 'no-store' | 'force';
}

export interface AttemptRecord {
  deployment: string;
  provider: string;
  startedAt: number;
  durationMs: number;
  outcome: 'success' | 'error';
  errorKind?: string;
  status?: number;
  message?: string;
  /** A retry on the same deployment (1 = its first retry); absent on the first try. */
  retry?: number;
  /** The circuit breaker let this attempt through as its half-open probe. */
  probe?: boolean;
}

/** A deployment the fallback chain did not call (its circuit breaker was open). */
export interface SkippedDeployment {
  deployment: string;
  provider: string;
  reason: 'circuit_open';
  /** ms until the breaker lets a probe through (0: a probe was in flight). */
  retryInMs: number;
}

export interface RequestContext {
  readonly requestId: string;
  readonly surface: Surface;
  readonly operation: 'chat' | 'embeddings' | 'count-tokens';
  /** Wall-clock start (ms since epoch) and monotonic start (performance.now()). */
  readonly startedAt: number;
  readonly startTime: number;
  readonly headers: IncomingHttpHeaders;
  /**
   * The client's connection (node:http: its socket), for what is remembered per connection (the
   * key it proved: keys/key-service.ts). Absent where there is none (tests, internal calls).
   */
  readonly connection?: object;
  readonly body: Record<string, unknown>;
  /** Aborted when the client disconnects; reaches every upstream call. */
  readonly signal: RequestSignal;
  readonly sink: ResponseSink;
  /** extractMetadata */
  metadata: RequestMetadata;
  /** authenticate: the gateway key (absent in keyless mode). Its id, user, team, tier, region. */
  key?: VirtualKey;
  /** rateLimit / spendCap: the tokens reserved before the call (prompt + max output). */
  tokenEstimate?: TokenEstimate;
  /** decodeRequest */
  chatRequest?: ChatRequest;
  embeddingsRequest?: EmbeddingsRequest;
  /** resolveRoute */
  route?: {
    alias: string;
    deployments: Deployment[];
    reason: string;
    /** The router alias the client asked for (`auto`) and what it decided. */
    router?: {
      name: string;
      tier?: string;
      rule?: string;
      classifier?: string;
      confidence?: number;
      classifyMicros: number;
    };
    /** The request's region and the residency policy applied to the chain. */
    region?: string;
    residency?: 'off' | 'prefer' | 'strict';
  };
  /** invokeUpstream */
  attempts: AttemptRecord[];
  /** invokeUpstream: deployments skipped because their breaker was open. */
  skipped?: SkippedDeployment[];
  /**
   * invokeUpstream (streams): what reached the client so far, kept when the stream breaks off or
   * the client leaves before the upstream reported usage (the partial usage of the trace).
   */
  partialOutput?: {
    chunks: number;
    textChars: number;
    reasoningChars: number;
    toolArgumentChars: number;
  };
  served?: Deployment;
  usage?: Usage;
  finishReason?: FinishReason;
  streamed: boolean;
  /** ms from start to the first byte written to the client. */
  ttftMs?: number;
  /** ms spent waiting on upstreams (for the gateway-overhead figure). */
  upstreamMs: number;
  /** Set by the server when the response is over. */
  status?: number;
  error?: GatewayError;
  /** responseCache: what the cache did, for headers, traces and the saved-cost figure. */
  cache?: CacheOutcome;
  /**
   * responseCache: called by invokeUpstream with every stream part of every attempt (before it is
   * written), so a stage can assemble the streamed answer. Must not throw or block.
   */
  partObservers?: Array<(part: StreamPart) => void>;
  /** invokeUpstream: the complete non-streaming answer that was served. */
  chatResponse?: ChatResponse;
}

export interface CacheOutcome {
  /** hit/semantic: served from the cache; miss: looked up, not found; bypass: not consulted. */
  status: 'hit' | 'semantic' | 'miss' | 'bypass';
  /** Why the cache was bypassed (no-store, not_deterministic, store_unavailable, …). */
  reason?: string;
  /** Cosine similarity of a semantic hit. */
  similarity?: number;
  /** The exact-cache key (tenant-scoped SHA-256), never the prompt. */
  key?: string;
  /** On a hit: the usage of the cached answer, i.e. the tokens the hit did not pay for. */
  savedUsage?: Usage;
  /** On a hit: the deployment and provider that produced the cached answer (to price savedUsage). */
  savedDeployment?: string;
  savedProvider?: string;
}
