// A benchmark scenario: what the client sends to each target, which upstream it needs, and how the
// gateway is configured for it. One small file per scenario under bench/scenarios/.

import type { EmulatorKind } from '../emulator/index.js';

export interface BenchRequest {
  /** Path on the target, e.g. /v1/chat/completions. */
  path: string;
  headers: Record<string, string>;
  /** Serialised once; every request of a run sends the same bytes. */
  body: string;
}

export interface GatewayConfigInput {
  /** Base URL of the emulator the scenario runs against, e.g. http://127.0.0.1:PORT. */
  upstreamUrl: string;
  upstreamKind: EmulatorKind;
  port: number;
  /** A fresh directory of this run for the gateway's files (embedded trace database, spool). */
  dataDir: string;
  /** PostgreSQL URL for the trace store (`--database-url`); absent → embedded PGlite in dataDir. */
  databaseUrl?: string;
}

export interface PrepareInput {
  gatewayUrl: string;
  upstreamUrl: string;
}

export interface Scenario {
  /** Used by `--scenario name`; kebab-case. */
  name: string;
  description: string;
  /** Streamed (SSE): time to first byte is measured too, and a stream must end with its marker. */
  stream: boolean;
  /** The emulator the scenario needs (one per kind is started and shared). */
  upstreamKind: EmulatorKind;
  /** What a client sends to the gateway. */
  gatewayRequest: BenchRequest;
  /**
   * What a client sends to the emulator directly and through the bare proxy: the upstream's own
   * wire format (for a translating scenario this differs from the gateway request).
   */
  upstreamRequest: BenchRequest;
  /**
   * The gateway's config (an object written as YAML). Scenarios that share the same config share
   * one gateway process. Default: `baseGatewayConfig` from bench/gateway-config.ts.
   */
  gatewayConfig?: (input: GatewayConfigInput) => Record<string, unknown>;
  /** Runs once after the gateway is up, before any measurement (e.g. prime a cache). */
  prepare?: (input: PrepareInput) => Promise<void>;
  /**
   * Stream only: the response is complete when its body ends with this text (default for OpenAI
   * chat: `data: [DONE]\n\n`). A stream without it counts as an error.
   */
  streamEndMarker?: string;
  /**
   * The same for the emulator and bare-proxy runs, when the upstream's wire format ends its stream
   * differently (e.g. Anthropic's `event: message_stop`). Default: `streamEndMarker`.
   */
  upstreamStreamEndMarker?: string;
}
