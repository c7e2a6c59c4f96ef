// Provider for OpenAI and every OpenAI-style server (vLLM, Ollama, …): Chat Completions and
// Embeddings over an undici pool. Reference: https://platform.openai.com/docs/api-reference

import type { Dispatcher } from 'undici';
import {
  UpstreamError,
  type ChatRequest,
  type ChatResult,
  type EmbeddingsResponse,
  type Provider,
  type ProviderCall,
  type StreamPart,
} from '../../core/index.js';
import type { AbortScope } from '../../lib/abort-scope.js';
import { SseDecoder } from '../../lib/sse-decoder.js';
import type { OpenAIChatCompletion, OpenAIUsage } from './openai-api.js';
import { convertOpenAIResponse } from './convert-openai-response.js';
import { OpenAIStreamConverter } from './convert-openai-stream.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { convertToOpenAIRequest } from './convert-to-openai-request.js';
import { armFirstEventTimer, openAttemptScope } from '../shared/attempt-scope.js';
import { readUpstreamStream } from '../shared/read-upstream-stream.js';
import {
  requestUpstreamJson,
  requestUpstreamStream,
  type SendUpstreamRequestOptions,
  type StreamAnswer,
} from '../shared/send-upstream-request.js';
import { createOpenAIHttpError, createOpenAITransportError } from './openai-error.js';
import { closeDispatcher } from '../shared/close-dispatcher.js';
import { TemplateSlot } from '../shared/string-field-template.js';

export interface OpenAIProviderOptions {
  name: string;
  type: 'openai' | 'openai-compatible';
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  dispatcher: Dispatcher;
}

export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const basePath = new URL(options.baseUrl).pathname.replace(/\/$/, '');
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...options.headers,
  };
  if (options.apiKey) baseHeaders.authorization = `Bearer ${options.apiKey}`;
  const streamHeaders = { ...baseHeaders, accept: 'text/event-stream' };
  /** This upstream's content-chunk layout, learned by one stream, taken by the next (its own id). */
  const contentChunkSlot = new TemplateSlot();

  const errors = { transport: createOpenAITransportError, http: createOpenAIHttpError };

  function exchange(
    path: string,
    body: unknown,
    call: ProviderCall<unknown>,
    scope: AbortScope,
    stream: boolean,
  ): SendUpstreamRequestOptions {
    return {
      dispatcher: options.dispatcher,
      path: basePath + path,
      headers: stream ? streamHeaders : baseHeaders,
      body: JSON.stringify(body),
      scope,
      idleMs: call.timeouts.idleMs,
      origin: { provider: options.name, deployment: call.deployment.id },
      errors,
    };
  }

  /** A streamed exchange: the response, its body read as events. */
  const send = (path: string, body: unknown, call: ProviderCall<unknown>, scope: AbortScope) =>
    requestUpstreamStream(exchange(path, body, call, scope, true));

  /** A JSON exchange: the parsed answer and its bytes. */
  const sendForJson = <T>(
    path: string,
    body: unknown,
    call: ProviderCall<unknown>,
    scope: AbortScope,
  ) => requestUpstreamJson<T>(exchange(path, body, call, scope, false));

  const openScope = (call: ProviderCall<unknown>) => openAttemptScope(call, options.name);

  function readStream(
    response: StreamAnswer,
    call: ProviderCall<ChatRequest>,
    scope: AbortScope,
    cancelFirstEventTimer: () => void,
  ): AsyncGenerator<StreamPart> {
    const origin = { provider: options.name, deployment: call.deployment.id };
    return readUpstreamStream({
      body: response.body,
      decoder: new SseDecoder(),
      converter: new OpenAIStreamConverter({
        provider: origin.provider,
        deployment: origin.deployment,
        passthrough: call.passthroughBody !== undefined,
        contentChunkSlot,
      }),
      scope,
      origin,
      idleMs: call.timeouts.idleMs,
      cancelFirstEventTimer,
      toTransportError: (error) => createOpenAITransportError(error, origin, scope.signal),
    });
  }

  return {
    name: options.name,
    type: options.type,
    wireFormat: 'openai-chat',

    async chat(call): Promise<ChatResult> {
      const scope = openScope(call);
      try {
        const body = convertToOpenAIRequest(call.request, call.deployment, call.passthroughBody);
        const { value: raw, bytes } = await sendForJson<OpenAIChatCompletion>(
          '/chat/completions',
          body,
          call,
          scope,
        );
        if (!raw || typeof raw !== 'object' || !Array.isArray(raw.choices)) {
          throw new UpstreamError(`${options.name} sent a response without choices`, {
            provider: options.name,
            deployment: call.deployment.id,
            kind: 'malformed',
          });
        }
        const result: ChatResult = { response: convertOpenAIResponse(raw) };
        if (call.passthroughBody) {
          result.raw = raw as unknown as Record<string, unknown>;
          result.rawBytes = bytes;
        }
        return result;
      } finally {
        scope.dispose();
      }
    },

    async chatStream(call) {
      const scope = openScope(call);
      try {
        const cancelFirstEventTimer = armFirstEventTimer(call, scope, options.name);
        const body = convertToOpenAIRequest(call.request, call.deployment, call.passthroughBody);
        const response = await send('/chat/completions', body, call, scope);
        return readStream(response, call, scope, cancelFirstEventTimer);
      } catch (error) {
        scope.dispose();
        throw error;
      }
    },

    async embeddings(call): Promise<EmbeddingsResponse> {
      const scope = openScope(call);
      try {
        const body = {
          ...(call.passthroughBody ?? { ...call.request.extra, input: call.request.input }),
          model: call.deployment.model,
        };
        const { value: raw } = await sendForJson<Record<string, unknown>>(
          '/embeddings',
          body,
          call,
          scope,
        );
        const usage = raw.usage as OpenAIUsage | undefined;
        return {
          model: typeof raw.model === 'string' ? raw.model : call.deployment.model,
          body: raw,
          usage: convertOpenAIUsage({
            prompt_tokens: usage?.prompt_tokens ?? 0,
            completion_tokens: 0,
          }),
        };
      } finally {
        scope.dispose();
      }
    },

    async close() {
      await closeDispatcher(options.dispatcher);
    },
  };
}
