// The contract of an API surface we serve: decode its requests, encode its responses and errors.

import type { ChatRequest, EmbeddingsRequest } from './chat-request.js';
import type { ChatResponse } from './chat-response.js';
import type { GatewayError } from './gateway-error.js';
import type { StreamPart, WireFormat } from './stream-part.js';

export interface StreamEncoder {
  /** SSE text to write for one part ('' when the part produces nothing on this surface). */
  encode(part: StreamPart): string;
  /** The in-band error event of this surface, for failures after the first byte. */
  encodeError(error: GatewayError): string;
}

export interface Surface {
  readonly name: 'openai' | 'anthropic';
  readonly wireFormat: WireFormat;
  decodeChat(body: unknown): ChatRequest;
  decodeEmbeddings?(body: unknown): EmbeddingsRequest;
  /** A token-counting request (Anthropic /v1/messages/count_tokens: a Messages body, no max_tokens). */
  decodeCountTokens?(body: unknown): ChatRequest;
  /**
   * `raw` is the upstream body when it already speaks this surface's wire format; `requestId`
   * names a translated response when the upstream id has the wrong shape for this surface.
   */
  encodeChat(
    response: ChatResponse,
    raw: Record<string, unknown> | undefined,
    requestId?: string,
  ): unknown;
  createStreamEncoder(options: {
    request: ChatRequest;
    requestId: string;
    passthrough: boolean;
  }): StreamEncoder;
  renderError(error: GatewayError): unknown;
  /**
   * The gateway key as this surface's clients send it (OpenAI: `Authorization: Bearer`;
   * Anthropic: `x-api-key` or `Authorization: Bearer`), for the authentication stage.
   */
  readApiKey?(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined;
}
