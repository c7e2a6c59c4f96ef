// The client request's abort state as the pipeline and the providers read it: the part of an
// AbortSignal they use. A real AbortSignal is one; the gateway's server makes a lighter one per
// request (lib/request-abort.ts), because an AbortController and its EventTarget cost ~3.5 % of
// the main thread per request.

/** A listener of the abort: a function or an EventListener object (`handleEvent`). */
export type RequestAbortListener = (() => void) | { handleEvent(): void };

export interface RequestSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Every abort listener is told once (`once` or not: a request aborts once). */
  addEventListener(
    type: 'abort',
    listener: RequestAbortListener,
    options?: { once?: boolean },
  ): void;
  removeEventListener(type: 'abort', listener: RequestAbortListener): void;
}
