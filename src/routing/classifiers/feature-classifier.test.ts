import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreComplexity } from './feature-classifier.js';

const tierOf = (text: string, extra: { systemChars?: number; userTurns?: number } = {}) =>
  scoreComplexity({ text, systemChars: extra.systemChars ?? 0, userTurns: extra.userTurns ?? 1 })
    .tier;

describe('scoreComplexity', () => {
  it('calls greetings and one-line facts trivial', () => {
    assert.equal(tierOf('Hello!'), 'trivial');
    assert.equal(tierOf('What is the capital of Peru?'), 'trivial');
    assert.equal(tierOf('Translate "good night" into French.'), 'trivial');
  });

  it('calls ordinary tasks moderate', () => {
    assert.equal(tierOf('Write a short email inviting the team to lunch on Friday.'), 'moderate');
    assert.equal(tierOf('How do I rename a branch in git?'), 'moderate');
  });

  it('calls proofs, system design and expert analysis hard', () => {
    assert.equal(
      tierOf('Prove that the square root of 3 is irrational and generalise the argument.'),
      'hard',
    );
    assert.equal(
      tierOf(
        'Design a multi-region event pipeline: compare exactly-once and at-least-once delivery, ' +
          'explain the trade-offs for latency and cost, and propose a migration plan.',
      ),
      'hard',
    );
  });

  it('counts code fences and numbered steps', () => {
    const plain = scoreComplexity({ text: 'Fix this please.', systemChars: 0, userTurns: 1 }).score;
    const withCode = scoreComplexity({
      text: 'Fix this please.\n```js\nconst x = items.map((item) => item.id);\n```',
      systemChars: 0,
      userTurns: 1,
    }).score;
    assert.ok(withCode > plain);
    const steps = scoreComplexity({
      text: 'Do this:\n1. read the file\n2. parse it\n3. write a summary',
      systemChars: 0,
      userTurns: 1,
    }).score;
    assert.ok(steps > plain);
  });

  it('reads the end of a long prompt (the question after a pasted document)', () => {
    const document = 'The quarterly report lists revenue by region and product line. '.repeat(200);
    const result = scoreComplexity({
      text: `${document}\nProve that the growth rate converges and derive its limit.`,
      systemChars: 0,
      userTurns: 1,
    });
    assert.equal(result.tier, 'hard');
  });

  it('gives a confidence between 0 and 1 that grows away from the boundaries', () => {
    const clear = scoreComplexity({ text: 'Hi', systemChars: 0, userTurns: 1 });
    assert.ok(clear.confidence > 0.5 && clear.confidence <= 1);
  });
});
