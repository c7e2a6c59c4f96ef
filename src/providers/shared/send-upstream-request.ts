// One upstream HTTP exchange of an attempt: POST over the provider's undici dispatcher, with the
// timer policy every provider shares and errors classified by the provider's own factories. A
// streamed answer is a response whose body the provider reads as events (sendUpstreamRequest); a
// JSON answer is read whole by a dispatch handler and parsed, with a malformed-body check
// (requestUpstreamJson).

import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { UpstreamError } from '../../core/index.js';
import type { AbortScope, AttemptSignal } from '../../lib/abort-scope.js';
import { errorBodyCapBytes, readCappedText } from '../../lib/read-capped-text.js';
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

const utf8Bom = [0xef, 0xbb, 0xbf] as const;

/** A JSON answer: parsed, as bytes (for passthrough), and the response's headers. */
export interface JsonAnswer<T> {
  value: T;
  bytes: Buffer;
  headers: IncomingHttpHeaders;
}

/**
 * A non-stream exchange whose answer is JSON, in one undici dispatch: POST, then the body's bytes
 * collected by the handler and parsed once complete. Resolves with the parsed value, the bytes
 * (without a UTF-8 byte-order mark, so a passthrough answer can be forwarded as it came) and the
 * response's headers. Rejects with the provider's UpstreamError: `http` for a status of 400 or
 * more (with up to errorBodyCapBytes of its body, as readCappedText keeps for a stream's),
 * `transport` for a failure or an abort, `malformed` for a body that is not JSON.
 *
 * The same exchange as sendUpstreamRequest + readUpstreamJsonBytes (and the same timers: the
 * scope's own, undici's body timer as the idle timeout), without undici's body stream: the
 * request API wraps each answer in a Readable, and `body.bytes()` reads it through a consumer and
 * a promise, which with the hops up to the reader were ~25 µs of the gateway's ~95 µs from the
 * upstream's headers to its own answer at 1,000 req/s (BENCHMARKS.md, sixteenth session).
 */
export function requestUpstreamJson<T>(
  options: Omit<SendUpstreamRequestOptions, 'stream'>,
): Promise<JsonAnswer<T>> {
  return new Promise((resolve, reject) => {
    const handler = new JsonAnswerHandler<T>(options, resolve, reject);
    try {
      options.dispatcher.dispatch(
        {
          path: options.path,
          method: 'POST',
          headers: options.headers,
          body: options.body,
          // As in sendUpstreamRequest: the scope's total timer cuts a hang before the headers;
          // undici's body timer is the idle timeout of the body.
          headersTimeout: 0,
          bodyTimeout: options.idleMs,
        },
        handler,
      );
    } catch (error) {
      handler.fail(error);
    }
  });
}

/** undici's dispatch handler for requestUpstreamJson: one per exchange. */
class JsonAnswerHandler<T> implements Dispatcher.DispatchHandler {
  readonly #options: Omit<SendUpstreamRequestOptions, 'stream'>;
  readonly #resolve: (answer: JsonAnswer<T>) => void;
  readonly #reject: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #first: Buffer | undefined;
  #chunks: Buffer[] | undefined;
  #size = 0;
  #settled = false;
  /** Aborts the exchange when the attempt's scope aborts (client gone, a timer fired). */
  readonly #onAbort = (): void => {
    this.#controller?.abort(abortReason(this.#options.scope.signal.reason));
  };

  constructor(
    options: Omit<SendUpstreamRequestOptions, 'stream'>,
    resolve: (answer: JsonAnswer<T>) => void,
    reject: (error: unknown) => void,
  ) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
    if (!options.scope.signal.aborted) options.scope.signal.once('abort', this.#onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    const signal = this.#options.scope.signal;
    if (signal.aborted) controller.abort(abortReason(signal.reason));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // informational (1xx): the answer's own headers follow
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#status >= 400) {
      // An error's body: kept up to the cap, the rest read and dropped.
      if (this.#size >= errorBodyCapBytes) return;
      chunk = chunk.subarray(0, errorBodyCapBytes - this.#size);
    }
    this.#size += chunk.length;
    if (this.#first === undefined) this.#first = chunk;
    else (this.#chunks ??= [this.#first]).push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#done();
    let bytes = this.#chunks
      ? Buffer.concat(this.#chunks, this.#size)
      : (this.#first ?? Buffer.alloc(0));
    const { origin, errors } = this.#options;
    if (this.#status >= 400) {
      this.#reject(errors.http(this.#status, this.#headers, bytes.toString('utf8'), origin));
      return;
    }
    if (bytes[0] === utf8Bom[0] && bytes[1] === utf8Bom[1] && bytes[2] === utf8Bom[2]) {
      bytes = bytes.subarray(3);
    }
    const text = bytes.toString('utf8');
    let value: T;
    try {
      value = JSON.parse(text) as T;
    } catch {
      this.#reject(
        new UpstreamError(`${origin.provider} sent a body that is not JSON`, {
          ...origin,
          kind: 'malformed',
          bodyExcerpt: redactExcerpt(text),
        }),
      );
      return;
    }
    this.#resolve({ value, bytes, headers: this.#headers });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  /** The exchange failed: an error answer whose body broke off is still that error. */
  fail(error: unknown): void {
    if (this.#settled) return;
    this.#done();
    const { origin, errors, scope } = this.#options;
    this.#reject(
      this.#status >= 400
        ? errors.http(this.#status, this.#headers, '', origin)
        : errors.transport(error, origin, scope.signal),
    );
  }

  #done(): void {
    this.#settled = true;
    this.#options.scope.signal.removeListener('abort', this.#onAbort);
  }
}

/** undici's controller takes an Error; a scope's reason is one, or is wrapped in one. */
function abortReason(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('the attempt was aborted', { cause: reason });
}
