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
import { readCappedText } from '../../lib/read-capped-text.js';
import { SseDecoder } from '../../lib/sse-decoder.js';
import type { OpenAIChatCompletion, OpenAIUsage } from './openai-api.js';
import { convertOpenAIResponse } from './convert-openai-response.js';
import { OpenAIStreamConverter } from './convert-openai-stream.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { convertToOpenAIRequest } from './convert-to-openai-request.js';
import { armFirstEventTimer, openAttemptScope } from '../shared/attempt-scope.js';
import { readUpstreamStream } from '../shared/read-upstream-stream.js';
import { createOpenAIHttpError, createOpenAITransportError } from './openai-error.js';
import { redactExcerpt } from '../shared/redact-excerpt.js';

export interface OpenAIProviderOptions {
  name: string;
  type: 'openai' | 'openai-compatible';
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  dispatcher: Dispatcher;
}

type ResponseData = Dispatcher.ResponseData;

export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const basePath = new URL(options.baseUrl).pathname.replace(/\/$/, '');
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...options.headers,
  };
  if (options.apiKey) baseHeaders.authorization = `Bearer ${options.apiKey}`;
  const streamHeaders = { ...baseHeaders, accept: 'text/event-stream' };

  async function send(
    path: string,
    body: unknown,
    call: ProviderCall<unknown>,
    scope: AbortScope,
    stream: boolean,
  ): Promise<ResponseData> {
    const origin = { provider: options.name, deployment: call.deployment.id };
    let response: ResponseData;
    try {
      response = await options.dispatcher.request({
        path: basePath + path,
        method: 'POST',
        headers: stream ? streamHeaders : baseHeaders,
        body: JSON.stringify(body),
        signal: scope.signal,
        // The scope's own timers cut hangs, each with its kind: a stream's first-event timer
        // (set before sending, so it covers a hang before and after the headers) and idle timer;
        // a non-stream answer, whose headers come only when it is complete, by the total timer.
        // undici's header timer is off so it cannot pre-empt them under the wrong name; its body
        // timer is the idle timeout of a non-stream body.
        headersTimeout: 0,
        bodyTimeout: stream ? 0 : call.timeouts.idleMs,
      });
    } catch (error) {
      throw createOpenAITransportError(error, origin, scope.signal);
    }
    if (response.statusCode >= 400) {
      const text = await readCappedText(response.body).catch(() => '');
      throw createOpenAIHttpError(response.statusCode, response.headers, text, origin);
    }
    return response;
  }

  const openScope = (call: ProviderCall<unknown>) => openAttemptScope(call, options.name);

  async function readJson<T>(
    response: ResponseData,
    call: ProviderCall<unknown>,
    scope: AbortScope,
  ): Promise<T> {
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw createOpenAITransportError(
        error,
        { provider: options.name, deployment: call.deployment.id },
        scope.signal,
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UpstreamError(`${options.name} sent a body that is not JSON`, {
        provider: options.name,
        deployment: call.deployment.id,
        kind: 'malformed',
        bodyExcerpt: redactExcerpt(text),
      });
    }
  }

  function readStream(
    response: ResponseData,
    call: ProviderCall<ChatRequest>,
    scope: AbortScope,
    cancelFirstEventTimer: () => void,
  ): AsyncGenerator<StreamPart> {
    const origin = { provider: options.name, deployment: call.deployment.id };
    return readUpstreamStream({
      body: response.body,
      decoder: new SseDecoder(),
      converter: new OpenAIStreamConverter({
        ...origin,
        passthrough: call.passthroughBody !== undefined,
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
        const response = await send('/chat/completions', body, call, scope, false);
        const raw = await readJson<OpenAIChatCompletion>(response, call, scope);
        if (!raw || typeof raw !== 'object' || !Array.isArray(raw.choices)) {
          throw new UpstreamError(`${options.name} sent a response without choices`, {
            provider: options.name,
            deployment: call.deployment.id,
            kind: 'malformed',
          });
        }
        const result: ChatResult = { response: convertOpenAIResponse(raw) };
        if (call.passthroughBody) result.raw = raw as unknown as Record<string, unknown>;
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
        const response = await send('/chat/completions', body, call, scope, true);
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
        const response = await send('/embeddings', body, call, scope, false);
        const raw = await readJson<Record<string, unknown>>(response, call, scope);
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
      await options.dispatcher.close();
    },
  };
}
