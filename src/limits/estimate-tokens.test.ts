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
