// Parts of the internal stream: what providers produce and surfaces encode. Errors travel inside.

import type { FinishReason } from './finish-reason.js';
import type { GatewayError } from './gateway-error.js';
import type { Usage } from './usage.js';

export type WireFormat = 'openai-chat' | 'anthropic-messages' | 'bedrock-converse';

export type StreamPart =
  | { type: 'stream-start'; id: string; model: string; created: number }
  | { type: 'text-delta'; delta: string }
  | { type: 'reasoning-delta'; delta: string; signature?: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  /** Sent once, last, after the upstream proved the stream complete. */
  | { type: 'finish'; finishReason: FinishReason; usage: Usage }
  /**
   * An upstream event in the caller's own wire format, to forward byte for byte (the same-format
   * fast path). `usageOnly` marks OpenAI's trailing usage chunk, which is only forwarded when the
   * client asked for it.
   */
  | { type: 'raw'; format: WireFormat; event?: string; data: string; usageOnly?: boolean }
  | { type: 'error'; error: GatewayError };
