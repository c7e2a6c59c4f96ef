// Provider for the Anthropic Messages API (and Anthropic-compatible servers) over an undici pool:
// non-streaming and streaming chat, and token counting.
// References: https://docs.anthropic.com/en/api/messages, /en/api/messages-streaming,
// /en/api/messages-count-tokens, /en/api/versioning.

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
import { SseDecoder } from '../../lib/sse-decoder.js';
import { armFirstEventTimer, openAttemptScope } from '../shared/attempt-scope.js';
import { readUpstreamStream } from '../shared/read-upstream-stream.js';
import {
  requestUpstreamJson,
  requestUpstreamStream,
  type SendUpstreamRequestOptions,
  type StreamAnswer,
} from '../shared/send-upstream-request.js';
import { latestAnthropicVersion, type AnthropicMessage } from './anthropic-api.js';
import { createAnthropicHttpError, createAnthropicTransportError } from './anthropic-error.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { AnthropicStreamConverter } from './convert-anthropic-stream.js';
import {
  convertToAnthropicRequest,
  type AnthropicRequestSettings,
} from './convert-to-anthropic-request.js';
import { closeDispatcher } from '../shared/close-dispatcher.js';
import { TemplateSlot } from '../shared/string-field-template.js';

export interface AnthropicProviderSettings {
  /** `anthropic-version` sent on translated requests (fast path: the client's own). */
  version: string;
  /** `anthropic-beta` flags always sent (merged with the client's on the fast path). */
  betas: string[];
  /** `max_tokens` when an OpenAI-surface request has none (Anthropic requires it). */
  defaultMaxTokens: number;
  /** What to do with parameters the version/model rejects: leave them out, or 400. */
  unsupportedParameters: 'drop' | 'refuse';
  /** How the key goes upstream: `x-api-key` (every Anthropic-compatible server) or Bearer. */
  authHeader: 'x-api-key' | 'bearer';
}

export const defaultAnthropicSettings: AnthropicProviderSettings = {
  version: latestAnthropicVersion,
  betas: [],
  defaultMaxTokens: 4096,
  unsupportedParameters: 'drop',
  authHeader: 'x-api-key',
};

export interface AnthropicProviderOptions {
  name: string;
  /** Like the SDK's baseURL: `https://api.anthropic.com` (a trailing `/v1` is accepted). */
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  settings?: Partial<AnthropicProviderSettings>;
  dispatcher: Dispatcher;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.join(',');
  return value === undefined || value === '' ? undefined : value;
}

export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
  const settings: AnthropicProviderSettings = { ...defaultAnthropicSettings, ...options.settings };
  const basePath = new URL(options.baseUrl).pathname.replace(/\/$/, '').replace(/\/v1$/, '');
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...options.headers,
  };
  if (options.apiKey) {
    if (settings.authHeader === 'bearer') baseHeaders.authorization = `Bearer ${options.apiKey}`;
    else baseHeaders['x-api-key'] = options.apiKey;
  }

  /** The version and betas of this call: on the fast path the client's body was written for its own. */
  function protocolOf(call: ProviderCall<unknown>): { version: string; betas: string[] } {
    const clientHeaders = call.passthroughBody ? call.clientHeaders : undefined;
    const version = headerValue(clientHeaders?.['anthropic-version']) ?? settings.version;
    const clientBetas = headerValue(clientHeaders?.['anthropic-beta']);
    const betas = [...settings.betas];
    for (const beta of clientBetas?.split(',') ?? []) {
      const trimmed = beta.trim();
      if (trimmed && !betas.includes(trimmed)) betas.push(trimmed);
    }
    return { version, betas };
  }

  function requestSettings(version: string): AnthropicRequestSettings {
    return {
      apiVersion: version,
      defaultMaxTokens: settings.defaultMaxTokens,
      unsupportedParameters: settings.unsupportedParameters,
    };
  }

  const errors = { transport: createAnthropicTransportError, http: createAnthropicHttpError };
  const defaultJsonHeaders: Readonly<Record<string, string>> = Object.freeze({
    ...baseHeaders,
    'anthropic-version': settings.version,
  });
  const defaultStreamHeaders: Readonly<Record<string, string>> = Object.freeze({
    ...defaultJsonHeaders,
    accept: 'text/event-stream',
  });

  function exchange(
    path: string,
    body: unknown,
    call: ProviderCall<unknown>,
    scope: AbortScope,
    stream: boolean,
  ): SendUpstreamRequestOptions {
    const origin = { provider: options.name, deployment: call.deployment.id };
    const { version, betas } = protocolOf(call);
    let headers: Record<string, string>;
    if (version === settings.version && betas.length === 0) {
      // The usual call: the headers made once (undici reads them, never changes them).
      headers = stream ? defaultStreamHeaders : defaultJsonHeaders;
    } else {
      headers = { ...(stream ? defaultStreamHeaders : defaultJsonHeaders) };
      headers['anthropic-version'] = version;
      if (betas.length > 0) headers['anthropic-beta'] = betas.join(',');
    }
    return {
      dispatcher: options.dispatcher,
      path: basePath + path,
      headers,
      body: JSON.stringify(body),
      scope,
      idleMs: call.timeouts.idleMs,
      origin,
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
  /** This upstream's text-delta layout, learned by one stream, tried first by the next. */
  const textDeltaSlot = new TemplateSlot();

  function buildBody(call: ProviderCall<ChatRequest>): Record<string, unknown> {
    const { version } = protocolOf(call);
    return convertToAnthropicRequest({
      request: call.request,
      deployment: call.deployment,
      settings: requestSettings(version),
      ...(call.passthroughBody ? { passthroughBody: call.passthroughBody } : {}),
    });
  }

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
      converter: new AnthropicStreamConverter({
        provider: origin.provider,
        deployment: origin.deployment,
        passthrough: call.passthroughBody !== undefined,
        textDeltaSlot,
      }),
      scope,
      origin,
      idleMs: call.timeouts.idleMs,
      cancelFirstEventTimer,
      toTransportError: (error) => createAnthropicTransportError(error, origin, scope.signal),
    });
  }

  return {
    name: options.name,
    type: 'anthropic',
    wireFormat: 'anthropic-messages',

    async chat(call): Promise<ChatResult> {
      const scope = openScope(call);
      try {
        const body = buildBody(call);
        delete body.stream;
        const { value: raw, bytes } = await sendForJson<AnthropicMessage>(
          '/v1/messages',
          body,
          call,
          scope,
        );
        if (!raw || typeof raw !== 'object' || !Array.isArray(raw.content)) {
          throw new UpstreamError(`${options.name} sent a message without content`, {
            provider: options.name,
            deployment: call.deployment.id,
            kind: 'malformed',
          });
        }
        const result: ChatResult = { response: convertAnthropicResponse(raw) };
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
      // Armed before sending, so it covers a hang before the headers as well as after them.
      const cancelFirstEventTimer = armFirstEventTimer(call, scope, options.name);
      try {
        const body = { ...buildBody(call), stream: true };
        const response = await send('/v1/messages', body, call, scope);
        return readStream(response, call, scope, cancelFirstEventTimer);
      } catch (error) {
        scope.dispose();
        throw error;
      }
    },

    async countTokens(call) {
      const scope = openScope(call);
      try {
        const body = buildBody(call);
        // count_tokens takes the Messages body without max_tokens and stream.
        delete body.max_tokens;
        delete body.stream;
        const { value: raw } = await sendForJson<{ input_tokens?: unknown }>(
          '/v1/messages/count_tokens',
          body,
          call,
          scope,
        );
        if (typeof raw?.input_tokens !== 'number') {
          throw new UpstreamError(`${options.name} sent a token count without input_tokens`, {
            provider: options.name,
            deployment: call.deployment.id,
            kind: 'malformed',
          });
        }
        return { inputTokens: raw.input_tokens };
      } finally {
        scope.dispose();
      }
    },

    async close() {
      await closeDispatcher(options.dispatcher);
    },
  };
}
