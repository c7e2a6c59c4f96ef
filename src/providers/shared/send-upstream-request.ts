// One upstream HTTP exchange of an attempt: POST over the provider's undici dispatcher, with the
// timer policy every provider shares, errors classified by the provider's own factories, and the
// JSON body read with a malformed-body check.

import type { Dispatcher } from 'undici';
import { UpstreamError } from '../../core/index.js';
import type { AbortScope, AttemptSignal } from '../../lib/abort-scope.js';
import { readCappedText } from '../../lib/read-capped-text.js';
import { redactExcerpt } from './redact-excerpt.js';

export interface UpstreamOrigin {
  provider: string;
  deployment: string;
}

export interface UpstreamErrorFactories {
  transport(error: unknown, origin: UpstreamOrigin, signal: AttemptSignal): UpstreamError;
  http(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    bodyText: string,
    origin: UpstreamOrigin,
  ): UpstreamError;
}

export interface SendUpstreamRequestOptions {
  dispatcher: Dispatcher;
  path: string;
  headers: Record<string, string>;
  body: string;
  scope: AbortScope;
  stream: boolean;
  idleMs: number;
  origin: UpstreamOrigin;
  errors: UpstreamErrorFactories;
}

/** Resolves with a 2xx response; rejects with the provider's UpstreamError otherwise. */
export async function sendUpstreamRequest(
  options: SendUpstreamRequestOptions,
): Promise<Dispatcher.ResponseData> {
  let response: Dispatcher.ResponseData;
  try {
    response = await options.dispatcher.request({
      path: options.path,
      method: 'POST',
      headers: options.headers,
      body: options.body,
      signal: options.scope.signal,
      // The scope's own timers cut hangs, each with its kind: a stream's first-event timer (armed
      // before sending, so it covers a hang before and after the headers) and idle timer (from the
      // first event); a non-stream answer, whose headers come only when it is complete, by the
      // total timer. undici's header timer is off so it cannot pre-empt them under the wrong name;
      // its body timer is the idle timeout of a non-stream body.
      headersTimeout: 0,
      bodyTimeout: options.stream ? 0 : options.idleMs,
    });
  } catch (error) {
    throw options.errors.transport(error, options.origin, options.scope.signal);
  }
  if (response.statusCode >= 400) {
    const text = await readCappedText(response.body).catch(() => '');
    throw options.errors.http(response.statusCode, response.headers, text, options.origin);
  }
  return response;
}

/** Reads a JSON body; a body that is not JSON is a `malformed` upstream failure. */
export async function readUpstreamJson<T>(
  response: Dispatcher.ResponseData,
  options: { origin: UpstreamOrigin; scope: AbortScope; errors: UpstreamErrorFactories },
): Promise<T> {
  return (await readUpstreamJsonBytes<T>(response, options)).value;
}

const utf8Bom = [0xef, 0xbb, 0xbf] as const;

/**
 * readUpstreamJson, also resolving with the body's bytes (without a UTF-8 byte-order mark), so a
 * passthrough answer can be forwarded as it came instead of serialised again.
 */
export async function readUpstreamJsonBytes<T>(
  response: Dispatcher.ResponseData,
  options: { origin: UpstreamOrigin; scope: AbortScope; errors: UpstreamErrorFactories },
): Promise<{ value: T; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    const body = await response.body.bytes();
    bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } catch (error) {
    throw options.errors.transport(error, options.origin, options.scope.signal);
  }
  if (bytes[0] === utf8Bom[0] && bytes[1] === utf8Bom[1] && bytes[2] === utf8Bom[2]) {
    bytes = bytes.subarray(3);
  }
  const text = bytes.toString('utf8');
  try {
    return { value: JSON.parse(text) as T, bytes };
  } catch {
    throw new UpstreamError(`${options.origin.provider} sent a body that is not JSON`, {
      ...options.origin,
      kind: 'malformed',
      bodyExcerpt: redactExcerpt(text),
    });
  }
}
