// One upstream HTTP exchange of an attempt: POST over the provider's undici dispatcher (one
// `dispatch` with a handler of ours, not undici's request API and its body stream), with the timer
// policy every provider shares and errors classified by the provider's own factories. A JSON
// answer is read whole and parsed, with a malformed-body check (requestUpstreamJson); a streamed
// answer is handed over chunk by chunk as it arrives, for the provider to read as events
// (requestUpstreamStream).

import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { UpstreamError } from '../../core/index.js';
import type { AbortScope, AttemptSignal } from '../../lib/abort-scope.js';
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
  idleMs: number;
  origin: UpstreamOrigin;
  errors: UpstreamErrorFactories;
}

/** How much of an upstream's error body is kept for its message (the rest is read and dropped). */
export const errorBodyCapBytes = 64 * 1024;

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
 * more (with up to errorBodyCapBytes of its body), `transport` for a failure or an abort,
 * `malformed` for a body that is not JSON.
 *
 * Without undici's request API: it wraps each answer in a Readable, and `body.bytes()` reads it
 * through a consumer and a promise, which with the hops up to the reader were ~25 µs of the
 * gateway's ~95 µs from the upstream's headers to its own answer at 1,000 req/s (BENCHMARKS.md,
 * sixteenth session).
 */
export function requestUpstreamJson<T>(
  options: SendUpstreamRequestOptions,
): Promise<JsonAnswer<T>> {
  return new Promise((resolve, reject) => {
    // The scope's total timer cuts a hang before the headers; undici's header timer is off so it
    // cannot pre-empt it under the wrong name, and its body timer is the idle timeout of the body.
    dispatchExchange(options, options.idleMs, new JsonAnswerHandler<T>(options, resolve, reject));
  });
}

/** A streamed answer: its status and headers, and its body as it arrives. */
export interface StreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: UpstreamStreamBody;
}

/**
 * A streamed answer's body, fed by the dispatch handler: what the upstream sent so far, taken
 * synchronously, and a promise for the next arrival. One reader.
 */
export interface UpstreamStreamBody {
  /**
   * The oldest chunk not read yet; `null` once the body has ended and every chunk was read;
   * `undefined` while nothing new has arrived (wait for `arrival()`). Throws the exchange's
   * failure (undici's error, or the abort's reason) once the chunks before it were read.
   */
  read(): Buffer | null | undefined;
  /** Resolves at the next chunk, the end or the failure. */
  arrival(): Promise<void>;
  /** The reader stops early: the exchange is aborted and its connection closed. */
  destroy(): void;
  /**
   * The reader has what it wants (the stream's last event): the rest of the body (usually just
   * the chunked terminator) is read and dropped, so its keep-alive connection goes back to the
   * pool; more than `maxBytes`, or no end within `idleMs`, and the connection is closed instead.
   */
  drain(maxBytes: number, idleMs: number): void;
}

/**
 * A streamed exchange in one undici dispatch: resolves at a 2xx response's headers, with its body
 * handed over chunk by chunk as the handler receives them (UpstreamStreamBody); rejects with the
 * provider's UpstreamError like requestUpstreamJson (`http` once an error status's body is in,
 * `transport` for a failure or an abort before the headers). The scope's first-event and idle
 * timers cut a hang before and after the headers, so undici's own timers are off.
 *
 * Without undici's request API: its Readable per answer, the async iterator over it and the hops
 * to the reader were ~30 µs of the gateway's ~100 µs from the upstream's headers to its first
 * write to the client, at 1,000 streams a second (BENCHMARKS.md, seventeenth session).
 */
export function requestUpstreamStream(options: SendUpstreamRequestOptions): Promise<StreamAnswer> {
  return new Promise((resolve, reject) => {
    dispatchExchange(options, 0, new StreamAnswerHandler(options, resolve, reject));
  });
}

function dispatchExchange<Answer>(
  options: SendUpstreamRequestOptions,
  bodyTimeout: number,
  handler: AnswerHandler<Answer>,
): void {
  try {
    options.dispatcher.dispatch(
      {
        path: options.path,
        method: 'POST',
        headers: options.headers,
        body: options.body,
        headersTimeout: 0,
        bodyTimeout,
      },
      handler,
    );
  } catch (error) {
    handler.fail(error);
  }
}

/**
 * What every exchange's dispatch handler does: follows the attempt's scope (its abort aborts the
 * exchange), keeps the status and headers, collects an error status's body (up to
 * errorBodyCapBytes, the rest read and dropped) for the provider's `http` error, and settles the
 * exchange's promise once (with `Answer`, or the provider's error).
 */
abstract class AnswerHandler<Answer> implements Dispatcher.DispatchHandler {
  protected readonly options: SendUpstreamRequestOptions;
  /** The exchange's promise was resolved or rejected. */
  protected settled = false;
  readonly #resolve: (answer: Answer) => void;
  readonly #reject: (error: unknown) => void;
  protected controller: Dispatcher.DispatchController | undefined;
  protected status = 0;
  protected headers: IncomingHttpHeaders = {};
  #errorChunks: Buffer[] | undefined;
  #errorSize = 0;
  #attached = false;
  /** Aborts the exchange when the attempt's scope aborts (client gone, a timer fired). */
  readonly #onAbort = (): void => {
    this.controller?.abort(abortReason(this.options.scope.signal.reason));
  };

  constructor(
    options: SendUpstreamRequestOptions,
    resolve: (answer: Answer) => void,
    reject: (error: unknown) => void,
  ) {
    this.options = options;
    this.#resolve = resolve;
    this.#reject = reject;
    if (!options.scope.signal.aborted) {
      options.scope.signal.once('abort', this.#onAbort);
      this.#attached = true;
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    const signal = this.options.scope.signal;
    if (signal.aborted) controller.abort(abortReason(signal.reason));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // informational (1xx): the answer's own headers follow
    this.status = statusCode;
    this.headers = headers;
    if (statusCode < 400) this.started();
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.status < 400) {
      this.data(chunk);
      return;
    }
    if (this.#errorSize >= errorBodyCapBytes) return;
    chunk = chunk.subarray(0, errorBodyCapBytes - this.#errorSize);
    this.#errorSize += chunk.length;
    (this.#errorChunks ??= []).push(chunk);
  }

  onResponseEnd(): void {
    if (this.status < 400) {
      this.ended();
      return;
    }
    this.detach();
    const text = this.#errorChunks
      ? Buffer.concat(this.#errorChunks, this.#errorSize).toString('utf8')
      : '';
    this.rejectWith(this.options.errors.http(this.status, this.headers, text, this.options.origin));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  /** The exchange failed: an error answer whose body broke off is still that error. */
  fail(error: unknown): void {
    this.detach();
    const { origin, errors, scope } = this.options;
    if (this.status >= 400) this.rejectWith(errors.http(this.status, this.headers, '', origin));
    else this.failed(error, () => errors.transport(error, origin, scope.signal));
  }

  /** No longer follows the scope (the exchange is over, or needs the scope no more). */
  protected detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.options.scope.signal.removeListener('abort', this.#onAbort);
  }

  /** A 2xx status and its headers came. */
  protected abstract started(): void;
  /** A chunk of a 2xx answer's body. */
  protected abstract data(chunk: Buffer): void;
  /** A 2xx answer's body is complete. */
  protected abstract ended(): void;
  /** The exchange failed without an error status; `transportError()` is the provider's error. */
  protected abstract failed(error: unknown, transportError: () => UpstreamError): void;
  protected resolveWith(answer: Answer): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(answer);
  }

  /** Settles the exchange with the provider's error (once; later calls do nothing). */
  protected rejectWith(error: UpstreamError): void {
    if (this.settled) return;
    this.settled = true;
    this.#reject(error);
  }
}

/** undici's dispatch handler for requestUpstreamJson: one per exchange. */
class JsonAnswerHandler<T> extends AnswerHandler<JsonAnswer<T>> {
  #first: Buffer | undefined;
  #chunks: Buffer[] | undefined;
  #size = 0;

  protected started(): void {}

  protected data(chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#first === undefined) this.#first = chunk;
    else (this.#chunks ??= [this.#first]).push(chunk);
  }

  protected ended(): void {
    if (this.settled) return;
    this.detach();
    let bytes = this.#chunks
      ? Buffer.concat(this.#chunks, this.#size)
      : (this.#first ?? Buffer.alloc(0));
    if (bytes[0] === utf8Bom[0] && bytes[1] === utf8Bom[1] && bytes[2] === utf8Bom[2]) {
      bytes = bytes.subarray(3);
    }
    const text = bytes.toString('utf8');
    let value: T;
    try {
      value = JSON.parse(text) as T;
    } catch {
      const origin = this.options.origin;
      this.rejectWith(
        new UpstreamError(`${origin.provider} sent a body that is not JSON`, {
          ...origin,
          kind: 'malformed',
          bodyExcerpt: redactExcerpt(text),
        }),
      );
      return;
    }
    this.resolveWith({ value, bytes, headers: this.headers });
  }

  protected failed(_error: unknown, transportError: () => UpstreamError): void {
    this.rejectWith(transportError());
  }
}

/**
 * Queued chunks past which the upstream is paused until the reader catches up (the reader takes
 * what arrived on its next turn, so this is reached only when something stalls it).
 */
const pauseAboveBytes = 1024 * 1024;

/** undici's dispatch handler for requestUpstreamStream, and the body it resolves with. */
class StreamAnswerHandler extends AnswerHandler<StreamAnswer> implements UpstreamStreamBody {
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  #paused = false;
  #ended = false;
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;
  /** Set by drain(): bytes still allowed, and the timer that gives up on the end. */
  #drainLeft = -1;
  #drainTimer: NodeJS.Timeout | undefined;

  protected started(): void {
    this.resolveWith({ statusCode: this.status, headers: this.headers, body: this });
  }

  protected data(chunk: Buffer): void {
    if (this.#drainLeft >= 0) {
      this.#drainLeft -= chunk.length;
      if (this.#drainLeft < 0) this.destroy();
      return;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > pauseAboveBytes && !this.#paused) {
      this.#paused = true;
      this.controller?.pause();
    }
    this.#arrived();
  }

  protected ended(): void {
    this.#ended = true;
    this.#over();
  }

  protected failed(error: unknown, transportError: () => UpstreamError): void {
    if (!this.settled) {
      this.rejectWith(transportError());
      return;
    }
    this.#failure ??= { error };
    this.#over();
  }

  read(): Buffer | null | undefined {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.length;
      if (this.#paused && this.#queuedBytes <= pauseAboveBytes / 2) {
        this.#paused = false;
        this.controller?.resume();
      }
      return chunk;
    }
    if (this.#failure) throw this.#failure.error;
    return this.#ended ? null : undefined;
  }

  arrival(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  destroy(): void {
    if (this.#ended || this.#failure) return;
    this.controller?.abort(new Error('the stream was not read to its end'));
  }

  drain(maxBytes: number, idleMs: number): void {
    if (this.#ended || this.#failure) return;
    for (const chunk of this.#queue) maxBytes -= chunk.length;
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    if (maxBytes < 0) {
      this.destroy();
      return;
    }
    this.#drainLeft = maxBytes;
    if (this.#paused) {
      this.#paused = false;
      this.controller?.resume();
    }
    this.#drainTimer = setTimeout(() => this.destroy(), idleMs);
    this.#drainTimer.unref();
  }

  /** The body ended or failed: nothing more will arrive. */
  #over(): void {
    this.detach();
    if (this.#drainTimer) clearTimeout(this.#drainTimer);
    this.#arrived();
  }

  #arrived(): void {
    const wake = this.#wake;
    if (wake === undefined) return;
    this.#wake = undefined;
    wake();
  }
}

/** undici's controller takes an Error; a scope's reason is one, or is wrapped in one. */
function abortReason(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('the attempt was aborted', { cause: reason });
}
