// One info line per finished request, from its trace record. Never a prompt, an answer or a key:
// the key appears only as its id (the hash prefix the keys module assigns), headers never.

import { pino, type Logger } from 'pino';
import type { TraceRecord } from './build-trace-record.js';
import type { RequestFinishedEvent } from './events.js';

// The line's fields, in the order they are written (the same order as the pino call's object).
const fieldNames = [
  'requestId',
  'surface',
  'operation',
  'model',
  'routedModel',
  'provider',
  'deployment',
  'route',
  'status',
  'aborted',
  'streamed',
  'attempts',
  'cache',
  'durationMs',
  'ttftMs',
  'overheadMs',
  'inputTokens',
  'cachedTokens',
  'outputTokens',
  'costUsd',
  'keyId',
  'user',
  'feature',
  'error',
  'errorClass',
] as const;

type RequestLogFields = Record<
  (typeof fieldNames)[number],
  string | number | boolean | null | undefined
>;

/** The line's fields as an object (for pino's own serialisation, and for tests). */
export function requestLogFields(
  record: TraceRecord,
  event: RequestFinishedEvent,
): RequestLogFields {
  const usage = event.context.usage !== undefined;
  return {
    requestId: record.requestId,
    surface: record.surface,
    operation: record.operation,
    model: record.requestedModel,
    routedModel: record.routedModel,
    provider: record.provider,
    deployment: record.deployment,
    route: record.routeReason,
    status: record.status,
    aborted: record.aborted,
    streamed: record.streamed,
    attempts: record.attempts.length,
    cache: record.cacheStatus ?? undefined,
    durationMs: Math.round(record.totalMs * 10) / 10,
    ttftMs: record.ttftMs === null ? undefined : Math.round(record.ttftMs * 10) / 10,
    overheadMs: Math.round(record.overheadMs * 100) / 100,
    inputTokens: usage ? record.inputTokens : undefined,
    cachedTokens: usage ? record.cachedInputTokens : undefined,
    outputTokens: usage ? record.outputTokens : undefined,
    costUsd: record.costUsd ?? undefined,
    keyId: record.keyId ?? undefined,
    user: record.user ?? undefined,
    feature: record.feature ?? undefined,
    error: record.errorCode ?? undefined,
    errorClass: record.errorClass ?? undefined,
  };
}

type PinoInternals = Record<symbol, unknown>;
const symbols = pino.symbols as unknown as Record<string, symbol>;
const sym = (name: string): symbol => {
  const found = symbols[name];
  if (found === undefined) throw new Error(`pino.symbols.${name} is missing`);
  return found;
};

/** Characters a JSON string must escape, and lone surrogates (JSON.stringify escapes those). */
// eslint-disable-next-line no-control-regex -- JSON escapes the control characters
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(value: string): string {
  return value.length < 128 && !needsEscape.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** A field value the way pino writes it: strings escaped, non-finite numbers as null. */
function jsonValue(value: string | number | boolean | null): string {
  if (typeof value === 'string') return jsonString(value);
  // JSON's text for a number (null when not finite, as pino writes it) also keeps it out of V8's
  // number-string cache (lib/number-text.ts).
  if (typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return value === null ? 'null' : (JSON.stringify(value) ?? 'null');
}

/** The fields that repeat from request to request (surface … route), as JSON. */
interface RouteFields {
  surface: string;
  operation: string;
  model: string | null;
  routedModel: string | null;
  provider: string | null;
  deployment: string | null;
  route: string | null;
  json: string;
}

const sameRoute = (cached: RouteFields, record: TraceRecord) =>
  cached.surface === record.surface &&
  cached.operation === record.operation &&
  cached.model === record.requestedModel &&
  cached.routedModel === record.routedModel &&
  cached.provider === record.provider &&
  cached.route === record.routeReason;

const optionalString = (name: string, value: string | null): string =>
  value === null ? '' : `,"${name}":${jsonValue(value)}`;
const optionalNumber = (name: string, value: number | undefined): string =>
  value === undefined ? '' : `,"${name}":${jsonValue(value)}`;

/**
 * The flush of every request logger that has written a line (a no-op while it holds none). A
 * writer joins once and stays: adding and deleting it every turn made V8 reallocate the set's
 * table each time, and the new table, held by this long-lived set, went to the old generation
 * (~85 bytes a request at 1,000 req/s; BENCHMARKS.md, twelfth session).
 */
const writers = new Set<(exiting?: boolean) => void>();
let exitHooked = false;
function flushOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  // process.exit() or a crash before the turn ends: hand the lines over and flush synchronously
  // (pino's own exit hook may have flushed its destination already).
  process.on('exit', () => {
    for (const flush of writers) flush(true);
  });
}

/** pino's own destination (sonic-boom): buffers what it is given and writes once it holds `minLength`. */
interface BufferingStream {
  write(text: string): unknown;
  flush(callback?: ((error?: Error) => void) | null): void;
  flushSync(): void;
  end(): void;
  minLength: number;
}

function isBufferingStream(stream: object): stream is BufferingStream {
  const candidate = stream as Partial<Record<keyof BufferingStream, unknown>>;
  return (
    typeof candidate.write === 'function' &&
    typeof candidate.flush === 'function' &&
    typeof candidate.flushSync === 'function' &&
    typeof candidate.end === 'function' &&
    typeof candidate.minLength === 'number' &&
    candidate.minLength > 0
  );
}

/** How long request lines may be held before they go to the destination (its own flush: 100 ms). */
const holdMs = 100;

/**
 * Request lines held for a buffering destination until they make one of its writes (`minLength`),
 * or `holdMs` passed, or anything else reaches the destination first. sonic-boom appends each
 * write to its last pending string and measures that string's UTF-8 length on the next write,
 * which flattens it: a write per request turned its up-to-16 KB buffer into a new flat copy each
 * time, ~7 KB of garbage a request at 1,000 req/s, the largest single item of the gateway's
 * allocation (BENCHMARKS.md, seventeenth and eighteenth sessions). Handed over in `minLength`
 * pieces, each is written at once. The destination's write, flush, flushSync and end are wrapped
 * on the instance (pino and sonic-boom call them there) to hand the held lines over first: every
 * other line, a flush and the exit hook's flushSync keep the order the lines were logged in.
 */
class HeldRequestLines {
  readonly #write: (text: string) => unknown;
  readonly #flush: () => void;
  readonly #minLength: number;
  #lines: string[] = [];
  #chars = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(stream: BufferingStream) {
    const write = stream.write.bind(stream);
    const flush = stream.flush.bind(stream);
    const flushSync = stream.flushSync.bind(stream);
    const end = stream.end.bind(stream);
    this.#write = write;
    this.#flush = () => flush(null);
    this.#minLength = stream.minLength;
    stream.write = (text: string) => {
      this.release();
      return write(text);
    };
    stream.flush = (callback) => {
      this.release();
      flush(callback);
    };
    stream.flushSync = () => {
      this.release();
      flushSync();
    };
    stream.end = () => {
      this.release();
      end();
    };
  }

  add(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.#minLength) {
      this.release();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.release();
        try {
          this.#flush();
        } catch {
          // A destroyed destination: see release().
        }
      }, holdMs);
      this.#timer.unref();
    }
  }

  /** Hands the held lines to the destination as one write. */
  release(): void {
    if (this.#lines.length === 0) return;
    const text = this.#lines.length === 1 ? this.#lines[0]! : this.#lines.join('');
    this.#lines = [];
    this.#chars = 0;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    try {
      this.#write(text);
    } catch {
      // A destroyed or failed destination (after the logger was closed): nothing can take the
      // lines; pino's own write would have thrown here as well.
    }
  }
}

/** One holder per destination, shared by the request loggers writing to it. */
const heldLines = new WeakMap<BufferingStream, HeldRequestLines>();

function heldLinesFor(stream: BufferingStream): HeldRequestLines {
  let held = heldLines.get(stream);
  if (held === undefined) {
    held = new HeldRequestLines(stream);
    heldLines.set(stream, held);
  }
  return held;
}

/**
 * Writes the line the pino call would write, byte for byte, straight to the logger's stream: the
 * same level, time, bindings and end as pino's own, without pino's generic per-key loop (which
 * built ~9 KB of temporary strings per line). Only for a logger with nothing that could change the
 * line (no mixin, hooks, log formatter, message prefix, nested key, serializers or redaction of
 * these fields, no stream that wants metadata); otherwise undefined, and pino writes the line.
 */
export function directRequestWriter(
  logger: Logger,
): ((record: TraceRecord, usage: boolean) => void) | undefined {
  const internals = logger as unknown as PinoInternals;
  const formatters = internals[sym('formattersSym')] as { log?: unknown } | undefined;
  const hooks = internals[sym('hooksSym')] as
    { logMethod?: unknown; streamWrite?: unknown } | undefined;
  const serializers = (internals[sym('serializersSym')] ?? {}) as Record<string, unknown>;
  const stringifiers = (internals[sym('stringifiersSym')] ?? {}) as Record<
    string | symbol,
    unknown
  >;
  const stream = internals[sym('streamSym')] as
    ({ write(line: string): unknown } & PinoInternals) | undefined;
  const lsCache = internals[sym('lsCacheSym')] as Record<number, unknown> | undefined;
  const plain =
    !internals[sym('mixinSym')] &&
    !formatters?.log &&
    !hooks?.logMethod &&
    !hooks?.streamWrite &&
    internals[sym('messageKeySym')] === 'msg' &&
    !internals[sym('nestedKeySym')] &&
    internals[sym('msgPrefixSym')] === undefined &&
    typeof internals[sym('endSym')] === 'string' &&
    typeof internals[sym('timeSym')] === 'function' &&
    typeof lsCache?.[logger.levels.values.info ?? 30] === 'string' &&
    [...fieldNames, 'msg'].every((name) => !serializers[name] && !stringifiers[name]) &&
    !stringifiers[sym('wildcardFirstSym')] &&
    typeof stream?.write === 'function' &&
    stream[sym('needsMetadataGsym')] !== true;
  if (!plain || !stream || !lsCache) return undefined;
  const infoValue = logger.levels.values.info ?? 30;
  flushOnExit();
  const timeSym = sym('timeSym');
  const chindingsSym = sym('chindingsSym');
  const endSym = sym('endSym');
  // The surface … route fields as JSON, last seen per deployment (bounded: deployments come from the
  // config; a null deployment — nothing served — keeps one entry).
  const routes = new Map<string | null, RouteFields>();
  // A buffering destination (pino's own) gets the lines in pieces of its minimum write
  // (HeldRequestLines). Another stream gets the lines of one event-loop turn as one write once the
  // turn's I/O callbacks are done (setImmediate).
  const held = isBufferingStream(stream) ? heldLinesFor(stream) : undefined;
  const pending: string[] = [];
  let joined = false;
  const flush = (exiting?: boolean) => {
    if (pending.length === 0) return;
    const text = pending.length === 1 ? pending[0]! : pending.join('');
    pending.length = 0;
    try {
      stream.write(text);
      if (exiting === true) (stream as { flushSync?: () => void }).flushSync?.();
    } catch {
      // A destroyed or failed destination (after the logger was closed): nothing can take the
      // lines; pino's own write would have thrown here as well.
    }
  };
  const routeFields = (record: TraceRecord): string => {
    const cached = routes.get(record.deployment);
    if (cached !== undefined && sameRoute(cached, record)) return cached.json;
    const fields: RouteFields = {
      surface: record.surface,
      operation: record.operation,
      model: record.requestedModel,
      routedModel: record.routedModel,
      provider: record.provider,
      deployment: record.deployment,
      route: record.routeReason,
      json:
        `,"surface":${jsonValue(record.surface)}` +
        `,"operation":${jsonValue(record.operation)}` +
        `,"model":${jsonValue(record.requestedModel)}` +
        `,"routedModel":${jsonValue(record.routedModel)}` +
        `,"provider":${jsonValue(record.provider)}` +
        `,"deployment":${jsonValue(record.deployment)}` +
        `,"route":${jsonValue(record.routeReason)}`,
    };
    if (cached !== undefined || routes.size < 1000) routes.set(record.deployment, fields);
    return fields.json;
  };
  return (record, usage) => {
    const time = (internals[timeSym] as () => string)();
    const ttftMs = record.ttftMs;
    const cache = record.cacheStatus;
    const line =
      `${lsCache[infoValue] as string}${time}${internals[chindingsSym] as string}` +
      `,"requestId":${jsonValue(record.requestId)}` +
      routeFields(record) +
      `,"status":${jsonValue(record.status)}` +
      `,"aborted":${jsonValue(record.aborted)}` +
      `,"streamed":${jsonValue(record.streamed)}` +
      `,"attempts":${record.attempts.length}` +
      optionalString('cache', cache) +
      `,"durationMs":${jsonValue(Math.round(record.totalMs * 10) / 10)}` +
      optionalNumber('ttftMs', ttftMs === null ? undefined : Math.round(ttftMs * 10) / 10) +
      `,"overheadMs":${jsonValue(Math.round(record.overheadMs * 100) / 100)}` +
      (usage
        ? `,"inputTokens":${jsonValue(record.inputTokens)}` +
          `,"cachedTokens":${jsonValue(record.cachedInputTokens)}` +
          `,"outputTokens":${jsonValue(record.outputTokens)}`
        : '') +
      optionalNumber('costUsd', record.costUsd ?? undefined) +
      optionalString('keyId', record.keyId) +
      optionalString('user', record.user) +
      optionalString('feature', record.feature) +
      optionalString('error', record.errorCode) +
      optionalString('errorClass', record.errorClass) +
      `,"msg":"request"${internals[endSym] as string}`;
    if (held !== undefined) {
      held.add(line);
      return;
    }
    if (pending.length === 0) {
      setImmediate(flush);
      if (!joined) {
        joined = true;
        writers.add(flush);
      }
    }
    pending.push(line);
  };
}

export function createRequestLogger(
  logger: Logger,
): (record: TraceRecord, event: RequestFinishedEvent) => void {
  // The line is built field by field from the trace record (no headers, no key, no nested
  // objects), so the logger's redaction paths cannot match in it; without them pino skips its
  // per-field wildcard scan, which cost ~6 % of the gateway's CPU under `npm run bench`.
  const requestLog = logger.child({}, { redact: [] });
  const write = directRequestWriter(requestLog);
  return (record, event) => {
    if (!requestLog.isLevelEnabled('info')) return;
    if (write) write(record, event.context.usage !== undefined);
    else requestLog.info(requestLogFields(record, event), 'request');
  };
}
