import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicTextDelta } from '../anthropic/convert-anthropic-stream.js';
import { openAIContentChunk } from '../openai/convert-openai-stream.js';
import {
  LearnedStringField,
  StringFieldTemplate,
  type StringFieldShape,
} from './string-field-template.js';
import {
  awkwardStrings as contents,
  chunkHead as head,
  chunkTail as tail,
  contentChunk,
} from '../../../test/helpers/openai-chunk-text.js';

function learn(data: string, shape: StringFieldShape = openAIContentChunk): StringFieldTemplate {
  const template = StringFieldTemplate.learn(shape, data, JSON.parse(data));
  assert.ok(template, `a template from ${data}`);
  return template;
}

/** Asserts that no template is learned from any of `datas`. */
function assertNotLearned(shape: StringFieldShape, datas: string[]): void {
  for (const data of datas) {
    assert.equal(StringFieldTemplate.learn(shape, data, JSON.parse(data)), undefined, data);
  }
}

/** What a full parse says about a chunk text: its content if it is valid JSON of the template's shape. */
function parsedContent(data: string, reference: string): string | undefined {
  let chunk: Record<string, unknown>;
  try {
    chunk = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const choices = chunk.choices as Array<{ delta: { content: unknown } }>;
  const content = choices[0]?.delta.content;
  if (typeof content !== 'string') return undefined;
  // Everything but the content and the obfuscation string is the reference chunk's.
  const strip = (value: Record<string, unknown>) => {
    const copy = structuredClone(value);
    delete copy.obfuscation;
    (copy.choices as Array<{ delta: { content: unknown } }>)[0]!.delta.content = '';
    return copy;
  };
  assert.deepEqual(strip(chunk), strip(JSON.parse(reference) as Record<string, unknown>));
  return content;
}

describe('string field template (OpenAI content chunks)', () => {
  for (const obfuscation of [undefined, 'Qx7rT2mZp9Lk']) {
    const label = obfuscation === undefined ? 'without' : 'with';
    it(`reads the content of every same-shaped chunk ${label} an obfuscation field, as JSON.parse does`, () => {
      const reference = contentChunk('learned from', obfuscation);
      const template = learn(reference);
      for (const content of contents) {
        const data = contentChunk(content, obfuscation === undefined ? undefined : 'other9');
        assert.equal(template.match(data), content);
        assert.equal(parsedContent(data, reference), content);
      }
    });
  }

  it('matches nothing that JSON.parse would reject or read differently', () => {
    const reference = contentChunk('learned from', 'Qx7rT2');
    const template = learn(reference);
    const variants = [
      head + '"raw \u0001 control"' + tail + ',"obfuscation":"a"}',
      head + '"bad \\x escape"' + tail + ',"obfuscation":"a"}',
      head + '"unterminated' + tail + ',"obfuscation":"a"}',
      head + '"unterminated',
      head + '"escaped end\\"' + tail + ',"obfuscation":"a"}',
      head + '5' + tail + ',"obfuscation":"a"}',
      head + 'null' + tail + ',"obfuscation":"a"}',
      head + '"a"' + tail + ',"obfuscation":"a"}x',
      head + '"a"' + tail + ',"obfuscation":"a"}}',
      head + '"a"' + tail + ',"obfuscation":"q"uote"}',
      head + '"a"' + tail + ',"obfuscation":"back\\slash"}',
      head + '"a"' + tail + ',"obfuscation":5}',
      head + '"a"' + tail + '}',
      head + '"a"},"logprobs":null,"finish_reason":"stop"}],"usage":null,"obfuscation":"a"}',
      head + '"a","role":"assistant"' + tail + ',"obfuscation":"a"}',
      head.replace('chatcmpl-abc', 'chatcmpl-xyz') + '"a"' + tail + ',"obfuscation":"a"}',
    ];
    for (const data of variants) {
      const matched = template.match(data);
      assert.equal(matched, undefined, `matched ${JSON.stringify(data)}`);
    }
    // The control: the unaltered shape does match.
    assert.equal(template.match(head + '"a"' + tail + ',"obfuscation":"zz"}'), 'a');
  });

  it('is not learned from chunks that carry more than content', () => {
    const notContentOnly = [
      head.replace('"delta":{"content":', '"delta":{"role":"assistant","content":') +
        '""' +
        tail +
        '}',
      head + '"a"},"logprobs":null,"finish_reason":"stop"}],"usage":null}',
      head + '"a"' + tail.replace('"usage":null', '"usage":{"prompt_tokens":1}') + '}',
      '{"id":"x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}',
      '{"id":"x","choices":[]}',
      '{"error":{"message":"boom"},"choices":[{"index":0,"delta":{"content":"a"}}]}',
      // The first "delta":{"content": of the text is not the choice's: the layout is refused.
      '{"x":{"delta":{"content":"a"}},"choices":[{"index":0,"delta":{"content":"a"}}]}',
      // Whitespace around the content key: not the compact layout.
      '{"choices":[{"index":0,"delta": {"content": "a"}}]}',
    ];
    assertNotLearned(openAIContentChunk, notContentOnly);
  });
});

/** An Anthropic text delta as Anthropic lays it out. */
const textDelta = (text: string, index = 0): string =>
  `{"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}`;

describe('string field template (Anthropic text deltas)', () => {
  it('reads the text of every text delta of the same block, as JSON.parse does', () => {
    const template = learn(textDelta('first'), anthropicTextDelta);
    for (const content of contents) {
      assert.equal(template.match(textDelta(content)), content);
      assert.equal(anthropicTextDelta.read(JSON.parse(textDelta(content))), content);
    }
  });

  it('matches no other event, block or layout', () => {
    const template = learn(textDelta('first'), anthropicTextDelta);
    const others = [
      textDelta('a', 1),
      '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"a"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a","extra":1}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\u0002"}}',
      '{"type": "content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}',
    ];
    for (const data of others) assert.equal(template.match(data), undefined, data);
  });

  it('is not learned from other deltas or from text deltas with more fields', () => {
    const others = [
      '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"a"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"text\\":\\"a\\"}"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"text":"a"}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
    ];
    assertNotLearned(anthropicTextDelta, others);
  });
});

describe('learned string field (one stream)', () => {
  const learnFrom = (field: LearnedStringField, data: string) =>
    field.learn(data, JSON.parse(data));

  it('matches nothing before it learned, then the learned layout', () => {
    const field = new LearnedStringField(anthropicTextDelta);
    assert.equal(field.match(textDelta('a')), undefined);
    learnFrom(field, textDelta('a'));
    assert.equal(field.match(textDelta('b')), 'b');
  });

  it('takes a new layout (another block) while its budget lasts, and keeps the last good one', () => {
    const field = new LearnedStringField(anthropicTextDelta, 3);
    learnFrom(field, textDelta('a', 0));
    learnFrom(field, textDelta('a', 1));
    assert.equal(field.match(textDelta('b', 1)), 'b');
    // A failed attempt keeps the template it had.
    learnFrom(
      field,
      '{"type":"content_block_delta","index":2,"delta":{"type":"thinking_delta","thinking":"x"}}',
    );
    assert.equal(field.match(textDelta('c', 1)), 'c');
    // The budget (3) is spent: block 2 is never learned.
    learnFrom(field, textDelta('a', 2));
    assert.equal(field.match(textDelta('d', 2)), undefined);
  });

  it('takes the identity head of another stream only where the old one ends a member', () => {
    const template = learn(contentChunk('a', 'q'));
    const oldHead = '{"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000';
    const newHead = '{"id":"chatcmpl-xyz","object":"chat.completion.chunk","created":1700000001';
    const moved = template.withHead(oldHead, newHead);
    assert.ok(moved);
    const later = (text: string) =>
      text.replace('chatcmpl-abc', 'chatcmpl-xyz').replace('1700000000', '1700000001');
    assert.equal(moved.match(later(contentChunk('b', 'zz'))), 'b');
    assert.equal(moved.match(contentChunk('b', 'zz')), undefined);
    // Not a whole member (the created number goes on), or not the template's start.
    assert.equal(template.withHead(oldHead.slice(0, -1), newHead), undefined);
    assert.equal(template.withHead(oldHead.replace('abc', 'abd'), newHead), undefined);
  });
});
