import assert from 'node:assert/strict';
import { it } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import { estimateRequestTokens } from './estimate-tokens.js';

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
