// The token-level guards: negation, numbers, entities and opposites refuse a pair; wording does not.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareGuardFeatures, extractGuardFeatures } from './false-hit-guards.js';

const verdict = (left: string, right: string) =>
  compareGuardFeatures(extractGuardFeatures(left), extractGuardFeatures(right));

describe('false-hit guards', () => {
  it('let paraphrases through', () => {
    assert.equal(verdict('How do I reset my password?', 'How can I reset my password'), undefined);
    assert.equal(verdict('What is the capital of France?', "what's france's capital"), undefined);
    assert.equal(
      verdict('Is it safe to take 2 tablets?', 'Is taking two tablets safe?'),
      undefined,
    );
  });

  it('refuse a negation change, including contractions', () => {
    assert.equal(verdict('Is X safe?', 'Is X not safe?'), 'negation');
    assert.equal(verdict('Can dogs eat grapes?', "Can't dogs eat grapes?"), 'negation');
    assert.equal(verdict('Take it with food', 'Take it without food'), 'negation');
  });

  it('refuse a number change', () => {
    assert.equal(
      verdict('Is it safe to take 2 tablets?', 'Is it safe to take 20 tablets?'),
      'numbers',
    );
    assert.equal(verdict('Take two tablets', 'Take ten tablets'), 'numbers');
    assert.equal(verdict('Costs $1,000', 'Costs $1000.5'), 'numbers');
  });

  it('refuse an entity swap', () => {
    assert.equal(
      verdict('What is the capital of France?', 'What is the capital of Germany?'),
      'entities',
    );
    assert.equal(verdict('New features in iOS', 'New features in macOS'), 'entities');
  });

  it('refuse opposite sides of a pair', () => {
    assert.equal(verdict('Stretch before running?', 'Stretch after running?'), 'opposites');
    assert.equal(verdict('How do I enable dark mode?', 'How do I disable dark mode?'), 'opposites');
  });
});
