import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../core/index.js';
import { SseDecoder } from '../../lib/sse-decoder.js';
import { countJsonParses } from '../../../test/helpers/count-json-parses.js';
import { TemplateSlot } from '../shared/string-field-template.js';
import { AnthropicStreamConverter } from './convert-anthropic-stream.js';

const fixtures = new URL('./__fixtures__/', import.meta.url);
const names = ['basic-response', 'tool-use-response', 'thinking-cache-response'];

/** Runs bytes (in the given chunks) through the SSE decoder and the converter, like the provider. */
function convert(
  chunks: Uint8Array[],
  passthrough = false,
  textDeltaSlot?: TemplateSlot,
): StreamPart[] {
  const decoder = new SseDecoder();
  const converter = new AnthropicStreamConverter({
    provider: 'anthropic',
    deployment: 'claude[0]',
    passthrough,
    nowSeconds: () => 1_700_000_000,
    ...(textDeltaSlot ? { textDeltaSlot } : {}),
  });
  const parts: StreamPart[] = [];
  for (const chunk of chunks) for (const event of decoder.push(chunk)) converter.push(event, parts);
  for (const event of decoder.end()) converter.push(event, parts);
  converter.end(parts);
  return parts;
}

/** Errors compared by what matters (class instances do not deep-equal JSON). */
function plain(parts: StreamPart[]): unknown[] {
  return parts.map((part) =>
    part.type === 'error'
      ? { type: 'error', code: part.error.code, message: part.error.message }
      : part,
  );
}

function golden(name: string, actual: unknown): void {
  const file = new URL(`${name}.parts.json`, fixtures);
  const text = JSON.stringify(actual, null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name}.parts.json`);
}

describe('AnthropicStreamConverter', () => {
  for (const name of names) {
    const bytes = readFileSync(new URL(`${name}.sse`, fixtures));

    it(`${name}: matches the golden parts`, () => {
      golden(name, plain(convert([bytes])));
    });

    it(`${name}: the same parts for every split point (mid UTF-8, CR/LF across chunks)`, () => {
      const whole = JSON.stringify(plain(convert([bytes])));
      for (let cut = 1; cut < bytes.length; cut++) {
        const parts = convert([bytes.subarray(0, cut), bytes.subarray(cut)]);
        assert.equal(JSON.stringify(plain(parts)), whole, `split at byte ${cut}`);
      }
      // Byte by byte, and several events per chunk.
      const single = Array.from(bytes, (byte) => Uint8Array.of(byte));
      assert.equal(JSON.stringify(plain(convert(single))), whole);
    });

    it(`${name}: a stream cut before message_delta ends in truncated_stream, no finish`, () => {
      const text = bytes.toString('utf8');
      const cut = text.indexOf('event: message_delta');
      const parts = convert([Buffer.from(text.slice(0, cut))]);
      const last = parts.at(-1);
      assert.equal(last?.type, 'error');
      assert.equal(last.type === 'error' && last.error.code, 'truncated_stream');
      assert.ok(!parts.some((part) => part.type === 'finish'));
    });

    it(`${name}: fast path forwards every event raw, message_stop last, right before finish`, () => {
      const parts = convert([bytes], true);
      const raw = parts.filter((part) => part.type === 'raw');
      const eventCount = bytes
        .toString('utf8')
        .split(/\r?\n\r?\n/)
        .filter(Boolean).length;
      assert.equal(raw.length, eventCount);
      assert.equal(parts.at(-1)?.type, 'finish');
      const stop = parts.at(-2);
      assert.ok(stop?.type === 'raw' && stop.event === 'message_stop');
    });
  }

  it('message_delta usage is cumulative: a later value replaces, null keeps the earlier one', () => {
    const sse = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"c","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":3,"output_tokens":1}}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":4,"input_tokens":null}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":9,"cache_read_input_tokens":7}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join('');
    const finish = convert([Buffer.from(sse)]).at(-1);
    assert.deepEqual(finish, {
      type: 'finish',
      finishReason: { unified: 'length', raw: 'max_tokens' },
      usage: {
        input: { total: 20, noCache: 10, cacheRead: 7, cacheWrite: 3 },
        output: { total: 9, text: 9, reasoning: 0 },
      },
    });
  });

  it('an error event after content becomes an error part with the right kind', () => {
    const text = readFileSync(new URL('basic-response.sse', fixtures), 'utf8');
    const cut = text.indexOf('event: content_block_stop');
    const overloaded =
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    const parts = convert([Buffer.from(text.slice(0, cut) + overloaded)]);
    assert.ok(parts.some((part) => part.type === 'text-delta'));
    const last = parts.at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.code, 'upstream_overloaded');
    assert.equal((last.error as { retryable?: boolean }).retryable, true);
  });

  it('parses the first text delta of a block, not the ones of the same layout after it', () => {
    const fixture = readFileSync(new URL('basic-response.sse', fixtures));
    const many = fixture
      .toString('utf8')
      .replace(/(event: content_block_delta\ndata: [^\n]*\n\n)/, (event: string) =>
        event.repeat(30),
      );
    let parts: StreamPart[] = [];
    // Whole events only (the template parses the string literal it reads).
    const parsed = countJsonParses(
      () => {
        parts = convert([Buffer.from(many)]);
      },
      (text) => text.startsWith('{'),
    );
    const deltas = parts.filter((part) => part.type === 'text-delta').length;
    assert.ok(deltas >= 30, `${deltas} text deltas`);
    // Every event but the repeated text deltas after the first (and one check of its template).
    const events = new SseDecoder().push(Buffer.from(many)).length;
    assert.ok(parsed <= events - 29 + 1, `${parsed} parses for ${events} events`);
  });

  it('a data line that is not JSON is a malformed-stream error', () => {
    const parts = convert([Buffer.from('event: message_start\ndata: {"type":\n\n')]);
    assert.equal(parts.length, 1);
    assert.ok(parts[0]?.type === 'error' && parts[0].error.code === 'upstream_error');
  });

  it('a later stream of the same upstream reads its first text delta through the slot', () => {
    const bytes = readFileSync(new URL('basic-response.sse', fixtures));
    const slot = new TemplateSlot();
    const wholeEvents = (text: string) => text.startsWith('{');
    const expected = plain(convert([bytes]));
    let first: StreamPart[] = [];
    let second: StreamPart[] = [];
    const firstParses = countJsonParses(() => {
      first = convert([bytes], false, slot);
    }, wholeEvents);
    const secondParses = countJsonParses(() => {
      second = convert([bytes], false, slot);
    }, wholeEvents);
    assert.deepEqual(plain(first), expected);
    assert.deepEqual(plain(second), expected);
    // The first stream parsed its first delta and the template's probe; the second neither.
    assert.equal(secondParses, firstParses - 2, `${firstParses} then ${secondParses} parses`);
  });

  it('a slot holding another layout costs nothing but its failed match', () => {
    const bytes = readFileSync(new URL('basic-response.sse', fixtures));
    const slot = new TemplateSlot();
    // Learn a layout with spaces (another upstream's serialiser), then read the compact one.
    const spaced = bytes
      .toString('utf8')
      .replace(/"type":"text_delta","text":/g, '"type": "text_delta", "text": ');
    convert([Buffer.from(spaced)], false, slot);
    assert.deepEqual(plain(convert([bytes], false, slot)), plain(convert([bytes])));
  });

  it('ping, content_block_stop and message_stop are parsed once per text, not once per stream', () => {
    const bytes = readFileSync(new URL('basic-response.sse', fixtures));
    convert([bytes]);
    const constant = /^\{"type": ?"(ping|content_block_stop|message_stop)"/;
    const parsed: string[] = [];
    countJsonParses(
      () => convert([bytes]),
      (text) => {
        if (constant.test(text)) parsed.push(text);
        return false;
      },
    );
    assert.deepEqual(parsed, []);
    // A message_stop seen before still ends the stream (the fast path holds it until the end).
    const parts = convert([bytes], true);
    assert.equal(parts.at(-1)?.type, 'finish');
    const stop = parts.at(-2);
    assert.ok(stop?.type === 'raw' && stop.event === 'message_stop', JSON.stringify(stop));
  });
});
