import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import type { ChatRequest } from '../core/index.js';
import {
  countPromptTokens,
  countPromptTokensInSlices,
  estimateRequestTokens,
  countShortPromptTokens,
  sliceForCounting,
} from './estimate-tokens.js';

it('counts prompt tokens with the tokenizer and reserves max_tokens or the default', () => {
  const text = 'Name three rivers in Europe please';
  const chat = {
    model: 'fast',
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }],
    stream: false,
    includeUsage: false,
    extra: {},
  };
  const estimate = estimateRequestTokens({ chat }, 1024);
  assert.equal(estimate.inputTokens, countTokens(text) + 6);
  assert.equal(estimate.outputTokens, 1024);
  assert.equal(
    estimateRequestTokens({ chat: { ...chat, maxOutputTokens: 50 } }, 1024).outputTokens,
    50,
  );
  const embeddings = estimateRequestTokens(
    { embeddings: { model: 'e', input: ['a b', text], extra: {} } },
    9,
  );
  assert.equal(embeddings.inputTokens, countTokens('a b') + countTokens(text));
  assert.equal(embeddings.outputTokens, 0);
});

it('gives the tokenizer count for repeated, colliding, evicted and over-long texts (memo)', () => {
  const prompt = (text: string) =>
    estimateRequestTokens(
      {
        chat: {
          model: 'fast',
          messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }],
          stream: false,
          includeUsage: false,
          extra: {},
        },
      },
      0,
    ).inputTokens - 6;
  const system = 'You are a helpful assistant for the ACME support desk. '.repeat(40);
  // Built anew each time, as every request's body is parsed anew.
  for (let round = 0; round < 3; round += 1) {
    assert.equal(prompt(system.slice(0, -1) + ' '), countTokens(system));
  }
  // Same length, differing only between the sampled characters: one memo slot, never a wrong count.
  const base = 'a'.repeat(4_000);
  const variants = ['x', 'y', 'zz', ' 12'].map(
    (tail) => base.slice(0, 2_001) + tail + base.slice(2_001 + tail.length),
  );
  for (let round = 0; round < 2; round += 1) {
    for (const text of variants) assert.equal(prompt(text), countTokens(text));
  }
  // More distinct texts than the memo holds: the first ones are evicted and counted again.
  const many = Array.from(
    { length: 1_500 },
    (_, index) => `question ${index}: why is the sky blue?`,
  );
  for (const text of many) assert.equal(prompt(text), countTokens(text));
  for (const text of many.slice(0, 20)) assert.equal(prompt(text), countTokens(text));
  const huge = 'lorem ipsum dolor sit amet '.repeat(2_000);
  assert.equal(prompt(huge), countTokens(huge));
});

describe('a long prompt text, counted in slices', () => {
  const prose =
    'The river runs north, past 1,024 mills and 37 bridges; its "delta" (they say) is wide.\n' +
    "Don't ask why — ¿por qué? — it's 3.14159 km²   wide at  dawn.\n\tfunction f(x) { return x*2; }\n" +
    '東京は大きい都市です。 Ünïcödé wörds, emojis 🚀🚀 and URLs https://example.com/a?b=c. ';
  const long = prose.repeat(400);

  it('cuts only where the token counts of the slices add up to the whole', () => {
    for (const text of [
      long,
      long.replaceAll(' ', '  '),
      `${'x'.repeat(20_000)} tail`,
      long.slice(0, 9_000),
    ]) {
      const slices = sliceForCounting(text, 4_096);
      assert.equal(slices.join(''), text, 'the slices are the text');
      const sum = slices.reduce((total, slice) => total + countTokens(slice), 0);
      assert.equal(sum, countTokens(text), `${slices.length} slices of a ${text.length}-char text`);
    }
    assert.ok(sliceForCounting(long, 4_096).length > 10, 'a long text is cut');
    assert.equal(
      sliceForCounting('x'.repeat(20_000), 4_096).length,
      1,
      'no place to cut: one piece',
    );
  });

  it('gives the same count as the whole prompt at once, with a turn of the loop per slice', async () => {
    const chat: ChatRequest = {
      model: 'fast',
      messages: [
        { role: 'system' as const, content: [{ type: 'text' as const, text: 'Be brief.' }] },
        { role: 'user' as const, content: [{ type: 'text' as const, text: long }] },
      ],
      tools: [{ name: 'lookup', description: 'Looks things up', parameters: { type: 'object' } }],
      stream: false,
      includeUsage: false,
      extra: {},
    };
    assert.equal(countShortPromptTokens(chat), undefined, 'a long text: counted in slices');
    let turns = 0;
    let otherWorkRan = false;
    setImmediate(() => {
      otherWorkRan = true;
    });
    const sliced = await countPromptTokensInSlices(chat, async () => {
      turns += 1;
      await new Promise<void>((resolve) => setImmediate(resolve));
    });
    assert.equal(sliced, countPromptTokens(chat));
    assert.equal(turns, sliceForCounting(long).length);
    assert.ok(otherWorkRan, 'other work ran while the prompt was counted');
    const short = { ...chat, messages: [chat.messages[0]!] };
    assert.equal(countShortPromptTokens(short), countPromptTokens(short), 'short: counted at once');
  });
});
