// Public types of the provider emulator: options, fault plans, recorded requests and the handle.

export type EmulatorKind = 'openai' | 'vllm' | 'anthropic' | 'bedrock';

export interface EmulatorOptions {
  kind: EmulatorKind;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Replica id, echoed in the response header 'x-emulator-name'. Default: the kind. */
  name?: string;
  /** If set, an unknown model gets a 404 in the provider's error shape; default: accept any. */
  models?: string[];
  /** vLLM: adapter names accepted as `model` and listed by /v1/models with `parent`. */
  loraAdapters?: string[];
  /** vLLM: like --enable-prompt-tokens-details; without it prompt_tokens_details is null. */
  promptTokensDetails?: boolean;
  /** If set, required (OpenAI/vLLM: Authorization: Bearer; Anthropic: x-api-key or Bearer). */
  apiKey?: string;
  /** Default true: keep the last 1000 requests. */
  recordRequests?: boolean;
  /** Seed of the PRNG that decides `probability` faults. Default 1. */
  seed?: number;
  /** Default true: imitate prefix caching (cached tokens in 16-token blocks). */
  prefixCaching?: boolean;
  /**
   * vLLM error body: 'nested' (default, vLLM >= 0.10.1: {"error":{message,type,param,code:int}})
   * or 'flat' (older vLLM: {"object":"error",message,type,param,code:int}).
   */
  vllmErrorShape?: 'nested' | 'flat';
  /**
   * Bedrock: the credentials whose SigV4 signatures are accepted (every request is verified).
   * Default: the AWS documentation's example keys (AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/…).
   * `apiKey` is accepted as a Bedrock API key (Authorization: Bearer).
   */
  awsCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Bedrock: the signing region. Default 'us-east-1'. */
  awsRegion?: string;
  /** Bedrock: usage.inputTokens excludes (default) or includes the cache read/write tokens. */
  bedrockInputTokens?: 'exclusive' | 'inclusive';
}

export interface FaultPlan {
  /** Only requests whose path starts with this (e.g. '/v1/chat/completions'); default: all. */
  path?: string;
  /** Delay before response headers. */
  latencyMs?: number;
  /** Stream: delay after headers before the first event. */
  ttftMs?: number;
  /** Stream: delay between events. */
  chunkDelayMs?: number;
  /** Reply with this HTTP status, body in the provider's error shape (Bedrock: its exception). */
  status?: number;
  /** 'retry-after' header value sent with `status`. */
  retryAfter?: string;
  /** Overrides the error type (and OpenAI code) in the body. */
  errorType?: string;
  /** Never finish (until the client closes). */
  hang?: 'before-headers' | 'after-headers' | 'mid-stream';
  /** Destroy the socket. */
  reset?: 'before-headers' | 'mid-stream';
  /** Stream ends cleanly without finish_reason/usage/[DONE] (Anthropic: without message_delta/stop). */
  truncate?: boolean;
  /** Stream: one data line that is not JSON, mid-stream. */
  malformed?: boolean;
  /** Stream: after some content, an in-band error event. */
  midStreamError?: boolean;
  /**
   * Stream: after the last event, keep the response open this long before ending it (an upstream
   * slow to close its body after `[DONE]`, `message_stop` or Bedrock's `metadata`).
   */
  endDelayMs?: number;
  /** Mid-stream faults: content events written before the fault. Default 2. */
  afterChunks?: number;
  /** 0..1, default 1: chance that a request gets this fault (seeded PRNG). */
  probability?: number;
  /** Apply to the next N matching requests only, then the plan is removed. */
  count?: number;
  /** Override the reply text. */
  reply?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  receivedAt: number;
}

export interface EmulatorStats {
  received: number;
  completed: number;
  aborted: number;
  inFlight: number;
  openConnections: number;
}

export interface EmulatorEventMap {
  request: RecordedRequest;
  'client-closed': { path: string };
}

export type EmulatorEvent = keyof EmulatorEventMap;

export type EmulatorListener<E extends EmulatorEvent> = (payload: EmulatorEventMap[E]) => void;

export interface Emulator {
  /** e.g. http://127.0.0.1:PORT (for openai/vllm the API is under /v1). */
  url: string;
  port: number;
  kind: EmulatorKind;
  name: string;
  /** An array is a queue: the first matching plan applies until its count runs out. */
  setFaults(plan: FaultPlan | FaultPlan[]): void;
  clearFaults(): void;
  requests: RecordedRequest[];
  stats(): EmulatorStats;
  /** 'request' (RecordedRequest); 'client-closed' ({path}) when the client left before the end. */
  on<E extends EmulatorEvent>(event: E, listener: EmulatorListener<E>): void;
  once<E extends EmulatorEvent>(event: E, listener: EmulatorListener<E>): void;
  off<E extends EmulatorEvent>(event: E, listener: EmulatorListener<E>): void;
  /** Closes the server and every socket, so tests never hang. */
  close(): Promise<void>;
}
