import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../core/index.js';
import { TemplateSlot } from '../shared/string-field-template.js';
import { OpenAIStreamConverter } from './convert-openai-stream.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import {
  awkwardStrings as contents,
  chunkHead as head,
  chunkTail as tail,
  contentChunk,
} from '../../../test/helpers/openai-chunk-text.js';
import { countJsonParses } from '../../../test/helpers/count-json-parses.js';

describe('OpenAI stream converter', () => {
  function convert(datas: string[], contentChunkSlot?: TemplateSlot): StreamPart[] {
    const converter = new OpenAIStreamConverter({
      provider: 'p',
      deployment: 'd',
      passthrough: true,
      ...(contentChunkSlot ? { contentChunkSlot } : {}),
    });
    const parts: StreamPart[] = [];
    for (const data of datas) converter.push({ event: undefined, data, id: undefined }, parts);
    converter.end(parts);
    return parts;
  }

  const roleChunk =
    head.replace('"delta":{"content":', '"delta":{"role":"assistant","content":') +
    '""' +
    tail +
    '}';
  const finishChunk = head + '"."},"logprobs":null,"finish_reason":"stop"}],"usage":null}';
  const usageChunk =
    '{"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini",' +
    '"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}';

  /** One whole stream: role, every awkward content, finish, usage, [DONE]. */
  const stream = [
    roleChunk,
    ...contents.map((content, i) => contentChunk(content, 'o'.repeat(i))),
    finishChunk,
    usageChunk,
    '[DONE]',
  ];

  it('gives the parts a full parse gives, for every chunk', () => {
    const parts = convert(stream);
    const expected: StreamPart[] = [
      { type: 'raw', format: 'openai-chat', data: roleChunk },
      { type: 'stream-start', id: 'chatcmpl-abc', model: 'gpt-4o-mini', created: 1700000000 },
    ];
    contents.forEach((content, i) => {
      expected.push({
        type: 'raw',
        format: 'openai-chat',
        data: contentChunk(content, 'o'.repeat(i)),
      });
      if (content !== '') expected.push({ type: 'text-delta', delta: content });
    });
    expected.push(
      { type: 'raw', format: 'openai-chat', data: finishChunk },
      { type: 'text-delta', delta: '.' },
      { type: 'raw', format: 'openai-chat', data: usageChunk, usageOnly: true },
      {
        type: 'finish',
        finishReason: mapOpenAIFinishReason('stop'),
        usage: convertOpenAIUsage({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 }),
      },
    );
    assert.deepEqual(parts, expected);
  });

  it('parses the first content chunk of a stream, not the ones of the same shape after it', () => {
    // Whole events only (the template parses the string literal it reads).
    const parsed = countJsonParses(
      () =>
        convert([
          roleChunk,
          ...Array.from({ length: 20 }, (_, i) => contentChunk(`word ${i} `, 'x'.repeat(i))),
        ]),
      (text) => text.startsWith('{'),
    );
    // The role chunk, the first content chunk and the template's check of it.
    assert.equal(parsed, 3);
  });

  it('still reports a malformed chunk that arrives after the template was learned', () => {
    const parts = convert([
      roleChunk,
      contentChunk('one', 'a'),
      contentChunk('two', 'b'),
      head + '"raw \u0001 control"' + tail + ',"obfuscation":"c"}',
    ]);
    const last = parts.at(-1);
    assert.equal(last?.type, 'error');
    assert.match(last.type === 'error' ? last.error.message : '', /not JSON/);
    assert.equal(parts.filter((part) => part.type === 'text-delta').length, 2);
  });

  /** The same chunks as another stream's: its own id and creation time. */
  const ofStream = (datas: string[], id: string, created: number) =>
    datas.map((data) =>
      data
        .replace('"id":"chatcmpl-abc"', `"id":${JSON.stringify(id)}`)
        .replace('"created":1700000000', `"created":${created}`),
    );
  const wholeEvents = (text: string) => text.startsWith('{');

  it('a later stream of the same upstream, under its own id, takes the slot template', () => {
    const slot = new TemplateSlot();
    convert(stream, slot);
    const later = ofStream(stream, 'chatcmpl-"later"', 1700000123);
    let parts: StreamPart[] = [];
    const parsed = countJsonParses(() => {
      parts = convert(later, slot);
    }, wholeEvents);
    assert.deepEqual(parts, convert(later));
    // Only the chunks no template covers: the role chunk (the stream's identity), finish, usage.
    assert.equal(parsed, 3);
    assert.equal(
      countJsonParses(() => convert(later), wholeEvents),
      6,
    );
  });

  it('a chunk under another id than its stream is parsed, not read through the template', () => {
    const slot = new TemplateSlot();
    convert(stream, slot);
    const later = ofStream(stream, 'chatcmpl-later', 1700000123);
    // A content chunk of the first stream slipped into the later one.
    const mixed = [...later.slice(0, 3), contentChunk('stray', 's'), ...later.slice(3)];
    let parts: StreamPart[] = [];
    const parsed = countJsonParses(
      () => {
        parts = convert(mixed, slot);
      },
      (text) => text.includes('stray'),
    );
    assert.equal(parsed, 1);
    assert.deepEqual(parts, convert(mixed));
  });

  it('a slot template of another model or layout costs a failed match, nothing else', () => {
    const slot = new TemplateSlot();
    convert(stream, slot);
    const otherModel = stream.map((data) => data.replace('"model":"gpt-4o-mini"', '"model":"o3"'));
    assert.deepEqual(convert(otherModel, slot), convert(otherModel));
    const spaced = stream.map((data) =>
      data.replace('"id":"chatcmpl-abc"', '"id": "chatcmpl-abc"'),
    );
    assert.deepEqual(convert(spaced, slot), convert(spaced));
    assert.deepEqual(convert(stream, slot), convert(stream));
  });
});
