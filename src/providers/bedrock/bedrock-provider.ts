// Provider for AWS Bedrock Runtime: Converse and ConverseStream over an undici pool, signed with
// SigV4 (or a Bedrock API key), the binary event stream decoded incrementally.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
// and https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html

import type { Dispatcher } from 'undici';
import {
  UpstreamError,
  type ChatRequest,
  type ChatResult,
  type Provider,
  type ProviderCall,
  type StreamPart,
} from '../../core/index.js';
import type { AbortScope } from '../../lib/abort-scope.js';
import { EventStreamDecoder } from '../../lib/event-stream-decoder.js';
import type { BedrockConverseResponse, BedrockInputTokensMode } from './bedrock-api.js';
import { createBedrockHttpError, createBedrockTransportError } from './bedrock-error.js';
import { redactExcerpt } from '../shared/redact-excerpt.js';
import { armFirstEventTimer, openAttemptScope } from '../shared/attempt-scope.js';
import { readUpstreamStream } from '../shared/read-upstream-stream.js';
import {
  requestUpstreamJson,
  requestUpstreamStream,
  type SendUpstreamRequestOptions,
  type StreamAnswer,
} from '../shared/send-upstream-request.js';
import { convertBedrockResponse } from './convert-bedrock-response.js';
import { BedrockStreamConverter } from './convert-bedrock-stream.js';
import { convertToBedrockRequest } from './convert-to-bedrock-request.js';
import { createBedrockRequestSigner, type BedrockAuth } from './sign-bedrock-request.js';
import { closeDispatcher } from '../shared/close-dispatcher.js';

export interface BedrockProviderOptions {
  name: string;
  /** https://bedrock-runtime.<region>.amazonaws.com unless overridden (emulator, VPC endpoint). */
  baseUrl: string;
  auth: BedrockAuth;
  /** Whether `inputTokens` counts the cache fields; see convert-bedrock-usage.ts. */
  inputTokens: BedrockInputTokensMode;
  headers?: Record<string, string>;
  dispatcher: Dispatcher;
  /** Injectable clock for the signature date (tests). */
  now?: () => Date;
}

function headerValue(headers: StreamAnswer['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createBedrockProvider(options: BedrockProviderOptions): Provider {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  const sign = createBedrockRequestSigner(options.auth, options.now);

  const errors = { transport: createBedrockTransportError, http: createBedrockHttpError };

  /** The signed exchange of one operation (signing is asynchronous). */
  async function exchange(
    operation: 'converse' | 'converse-stream',
    body: string,
    call: ProviderCall<ChatRequest>,
    scope: AbortScope,
  ): Promise<SendUpstreamRequestOptions> {
    const origin = { provider: options.name, deployment: call.deployment.id };
    // The model ID (or inference-profile ID, or ARN) is one path segment, percent-encoded.
    const path = `${basePath}/model/${encodeURIComponent(call.deployment.model)}/${operation}`;
    const stream = operation === 'converse-stream';
    let headers: Record<string, string>;
    try {
      headers = await sign({
        method: 'POST',
        host: base.host,
        path,
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          accept: stream ? 'application/vnd.amazon.eventstream' : 'application/json',
        },
        body,
      });
    } catch (error) {
      throw createBedrockTransportError(error, origin, scope.signal);
    }
    return {
      dispatcher: options.dispatcher,
      path,
      headers,
      body,
      scope,
      idleMs: call.timeouts.idleMs,
      origin,
      errors,
    };
  }

  const openScope = (call: ProviderCall<unknown>) => openAttemptScope(call, options.name);

  function readStream(
    response: StreamAnswer,
    call: ProviderCall<ChatRequest>,
    scope: AbortScope,
    cancelFirstEventTimer: () => void,
  ): AsyncGenerator<StreamPart> {
    const origin = { provider: options.name, deployment: call.deployment.id };
    const requestId = headerValue(response.headers, 'x-amzn-requestid');
    const converter = new BedrockStreamConverter({
      ...origin,
      model: call.deployment.model,
      id: `bedrock-${requestId ?? Date.now().toString(36)}`,
      inputTokens: options.inputTokens,
    });
    return readUpstreamStream({
      body: response.body,
      decoder: new EventStreamDecoder(),
      converter,
      scope,
      origin,
      idleMs: call.timeouts.idleMs,
      cancelFirstEventTimer,
      toTransportError: (error) => createBedrockTransportError(error, origin, scope.signal),
      // A frame that cannot be decoded (bad CRC, cut frame) is a malformed stream, not a reset.
      onDecodeError: (error, parts) => converter.failMalformed(parts, error.message),
    });
  }

  return {
    name: options.name,
    type: 'bedrock',
    wireFormat: 'bedrock-converse',

    async chat(call): Promise<ChatResult> {
      const scope = openScope(call);
      const origin = { provider: options.name, deployment: call.deployment.id };
      try {
        const body = JSON.stringify(convertToBedrockRequest(call.request));
        const { value: raw, headers } = await requestUpstreamJson<BedrockConverseResponse>(
          await exchange('converse', body, call, scope),
        );
        if (!raw || typeof raw !== 'object' || !raw.output?.message) {
          throw new UpstreamError(`${options.name} sent a response without output.message`, {
            ...origin,
            kind: 'malformed',
            bodyExcerpt: redactExcerpt(JSON.stringify(raw)),
          });
        }
        const requestId = headerValue(headers, 'x-amzn-requestid');
        return {
          response: convertBedrockResponse(raw, {
            id: `bedrock-${requestId ?? Date.now().toString(36)}`,
            model: call.deployment.model,
            inputTokens: options.inputTokens,
          }),
        };
      } finally {
        scope.dispose();
      }
    },

    async chatStream(call) {
      const scope = openScope(call);
      // Armed before sending, so it covers a hang before the headers as well as after them.
      const cancelFirstEventTimer = armFirstEventTimer(call, scope, options.name);
      try {
        const body = JSON.stringify(convertToBedrockRequest(call.request));
        const response = await requestUpstreamStream(
          await exchange('converse-stream', body, call, scope),
        );
        return readStream(response, call, scope, cancelFirstEventTimer);
      } catch (error) {
        scope.dispose();
        throw error;
      }
    },

    async close() {
      await closeDispatcher(options.dispatcher);
    },
  };
}
