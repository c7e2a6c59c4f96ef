// The layout of a stream's most frequent event, learned from one that was fully parsed, so that
// the next ones are read without JSON.parse of the whole event (~1–2 µs each on Node 20; most of
// a stream's events are text deltas of one layout).
//
// Within one stream, consecutive text deltas differ only in one string — OpenAI's
//   {"id":"chatcmpl-…",…,"choices":[{"index":0,"delta":{"content":"Name "},"logprobs":null,
//    "finish_reason":null}],"usage":null,"obfuscation":"Qx7rT2"}
// Anthropic's
//   {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Name "}}
// — and, from OpenAI, the random `obfuscation` string at the end. An event whose text is the
// template's prefix, then one valid JSON string, then the template's suffix (or that suffix with
// another obfuscation string free of quotes, backslashes and control characters) is valid JSON
// with the template's structure and values apart from that string: a converter reads exactly the
// same from it as from its parse. Anything else — another shape, a finish reason, usage, a tool
// call, a malformed event — does not match and is fully parsed, so malformed events are still
// caught.

/** Which events a template is learned from, and where their varying string is. */
export interface StringFieldShape {
  /** The text just before the string in the compact layout, e.g. `"delta":{"content":`. */
  key: string;
  /** The string, if `parsed` is an event of this shape and carries nothing else of interest. */
  read(parsed: unknown): string | undefined;
  /** A last top-level string field whose value changes from event to event (OpenAI's). */
  volatileLastKey?: string;
}

/** What may follow a volatile last key: its value (no quote, backslash or control character). */
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
const volatileTail = /^[^"\\\u0000-\u001f]*"\}$/;
const probeValue = 'switchyard\u2063probe';

export class StringFieldTemplate {
  private constructor(
    private readonly prefix: string,
    /** The text after the string; with a volatile last field, only up to that field's value. */
    private readonly suffix: string,
    private readonly volatileLast: boolean,
  ) {}

  /**
   * The template of `data`, whose parse is `parsed`, if it is an event of `shape` laid out
   * compactly; undefined otherwise.
   */
  static learn(
    shape: StringFieldShape,
    data: string,
    parsed: unknown,
  ): StringFieldTemplate | undefined {
    if (shape.read(parsed) === undefined) return undefined;
    const keyAt = data.indexOf(shape.key);
    if (keyAt === -1) return undefined;
    const start = keyAt + shape.key.length;
    const end = endOfJsonString(data, start);
    if (end === -1) return undefined;
    const prefix = data.slice(0, start);
    let suffix = data.slice(end);
    let volatileLast = false;
    if (shape.volatileLastKey !== undefined) {
      const field = `,${JSON.stringify(shape.volatileLastKey)}:"`;
      const fieldAt = suffix.lastIndexOf(field);
      if (fieldAt !== -1 && volatileTail.test(suffix.slice(fieldAt + field.length))) {
        suffix = suffix.slice(0, fieldAt + field.length);
        volatileLast = true;
      }
    }
    // Proof that the located string is the one the shape reads: the same text with another
    // string there parses as an event of the shape carrying that string (once per template).
    let probe: unknown;
    try {
      probe = JSON.parse(prefix + JSON.stringify(probeValue) + data.slice(end));
    } catch {
      return undefined;
    }
    if (shape.read(probe) !== probeValue) return undefined;
    return new StringFieldTemplate(prefix, suffix, volatileLast);
  }

  /**
   * This template for another stream of the same upstream whose events start with `newHead`
   * where this one's started with `oldHead` (OpenAI's `{"id":…,"object":…,"created":…`: the
   * stream's identity, which every chunk repeats). Only a head that ends where a member ends (a
   * `,` follows it) is replaced, so the new prefix is the old one with those values changed: still
   * valid JSON of the same structure. Undefined when the prefix does not start so.
   */
  withHead(oldHead: string, newHead: string): StringFieldTemplate | undefined {
    const prefix = this.prefix;
    if (prefix.charCodeAt(oldHead.length) !== 0x2c || prefix.slice(0, oldHead.length) !== oldHead) {
      return undefined;
    }
    return new StringFieldTemplate(
      newHead + prefix.slice(oldHead.length),
      this.suffix,
      this.volatileLast,
    );
  }

  /** The string of `data` if it has this template's layout, else undefined. */
  match(data: string): string | undefined {
    const prefix = this.prefix;
    // slice + === rather than startsWith: ~0.1 instead of 1–2 µs for a 200-character prefix on
    // Node 20 (V8's startsWith compares character by character).
    if (data.slice(0, prefix.length) !== prefix) return undefined;
    const end = endOfJsonString(data, prefix.length);
    if (end === -1) return undefined;
    const suffix = this.suffix;
    if (this.volatileLast) {
      if (data.slice(end, end + suffix.length) !== suffix) return undefined;
      if (!volatileTail.test(data.slice(end + suffix.length))) return undefined;
    } else if (data.length - end !== suffix.length || !data.endsWith(suffix)) {
      return undefined;
    }
    // JSON.parse of the literal alone checks it and makes a string of its own: a slice of `data`
    // would keep the whole decoded read alive for as long as the delta is kept (an answer being
    // assembled for the cache, say): ~200-byte chunks for ~10-character deltas. 0.14–0.19 µs
    // more per event than a slice (microbenchmark, Node 20).
    try {
      return JSON.parse(data.slice(prefix.length, end)) as string;
    } catch {
      return undefined;
    }
  }
}

/**
 * The index just past the JSON string literal that starts at `start` (a `"`), or -1 when there is
 * none. Only finds the closing quote; the literal's validity is checked by the caller.
 */
function endOfJsonString(data: string, start: number): number {
  if (data.charCodeAt(start) !== 0x22) return -1;
  let quote = data.indexOf('"', start + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (data.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    quote = data.indexOf('"', quote + 1);
  }
  return -1;
}

/**
 * Where the streams of one upstream share their last learned template: a new stream starts from
 * it, so its first event of the shape is read without JSON.parse (and without the probe parse
 * learning takes). A template that does not fit a stream's events only costs one failed match
 * before that stream parses and learns its own, as it would have without the slot.
 */
export class TemplateSlot {
  template: StringFieldTemplate | undefined;
  /**
   * The identity head of the stream the template was learned in (see StringFieldTemplate
   * withHead), for a shape whose events repeat their stream's identity; undefined for one whose
   * events carry none (Anthropic's text deltas): its template fits every stream as it is.
   */
  head: string | undefined;
}

/**
 * One stream's reading of a shape: its template once learned (or the slot's, to begin with), and
 * a budget of events to learn from. A stream whose events never fit stops trying; a new layout
 * (another content block, say) replaces the template while the budget lasts.
 */
export class LearnedStringField {
  private template: StringFieldTemplate | undefined;
  private attempts = 0;
  /** This stream's identity head, once known (adopt). */
  private head: string | undefined;

  constructor(
    private readonly shape: StringFieldShape,
    private readonly maxAttempts = 4,
    private readonly slot?: TemplateSlot,
  ) {
    // A template learned under another stream's identity needs that stream's head replaced first.
    if (slot?.head === undefined) this.template = slot?.template;
  }

  /**
   * This stream's identity head (its first event, parsed, gives it): the slot's template, learned
   * under another stream's head, is taken with this one's in its place.
   */
  adopt(head: string): void {
    this.head = head;
    const slot = this.slot;
    if (this.template !== undefined || slot?.template === undefined || slot.head === undefined) {
      return;
    }
    this.template = slot.template.withHead(slot.head, head);
  }

  /** The string of `data` if it has the learned layout; undefined means: parse it, then `learn`. */
  match(data: string): string | undefined {
    return this.template?.match(data);
  }

  /** Learns from a parsed event (nothing once the budget is spent). */
  learn(data: string, parsed: unknown): void {
    if (this.attempts >= this.maxAttempts) return;
    this.attempts += 1;
    const learned = StringFieldTemplate.learn(this.shape, data, parsed);
    if (learned === undefined) return;
    this.template = learned;
    if (this.slot) {
      this.slot.template = learned;
      this.slot.head = this.head;
    }
  }
}
