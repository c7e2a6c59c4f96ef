import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../core/index.js';
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
  function convert(datas: string[]): StreamPart[] {
    const converter = new OpenAIStreamConverter({
      provider: 'p',
      deployment: 'd',
      passthrough: true,
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

  it('gives the parts a full parse gives, for every chunk', () => {
    const datas = [
      roleChunk,
      ...contents.map((content, i) => contentChunk(content, 'o'.repeat(i))),
      finishChunk,
      usageChunk,
      '[DONE]',
    ];
    const parts = convert(datas);
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
});
