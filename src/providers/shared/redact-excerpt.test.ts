import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactExcerpt } from './redact-excerpt.js';

describe('redactExcerpt', () => {
  it('removes keys, bearer tokens, AWS key ids and signatures, and caps the length', () => {
    const text =
      'bad key sk-proj-abcdefgh12345678 and sy-0123456789abcdef; Authorization: Bearer eyJ.abc.def ' +
      'Credential=AKIAIOSFODNN7EXAMPLE/20261127, Signature=0123456789abcdef0123456789abcdef';
    const redacted = redactExcerpt(text);
    for (const secret of [
      'abcdefgh12345678',
      '0123456789abcdef;',
      'eyJ.abc.def',
      'IOSFODNN7EXAMPLE',
      '0123456789abcdef0123',
    ]) {
      assert.ok(!redacted.includes(secret), `${secret} leaked: ${redacted}`);
    }
    assert.equal(redactExcerpt('x'.repeat(2000)).length, 500);
  });
});
