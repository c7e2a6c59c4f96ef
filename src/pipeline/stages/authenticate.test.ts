import assert from 'node:assert/strict';
import { it } from 'node:test';
import { presentedKey } from './authenticate.js';

it('reads the key from "Bearer <key>" (any case, any blanks) or x-api-key, as the regex defines', () => {
  const reference = (authorization: string) => /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const cases = [
    'Bearer sy-abc',
    'bearer sy-abc',
    'BEARER sy-abc',
    'Bearer  sy-abc',
    'Bearer\tsy-abc',
    'Bearer sy-abc ',
    'Bearer sy-abc\t',
    'Bearer sy abc',
    'Bearer ',
    'Bearer',
    'Bearersy-abc',
    'Basic dXNlcjpwdw==',
    'Bearer sy-\u00e9t\u00e9',
    'Bearer sy-\u00a0abc',
    'Bearer sy-abc\u00a0',
    'Bearer sy-\u0001abc',
    'Bearer sy-~!@#$%^&*()_+{}|:"<>?',
    ' Bearer sy-abc',
  ];
  for (const authorization of cases) {
    assert.equal(presentedKey({ authorization }), reference(authorization), authorization);
  }
  assert.equal(presentedKey({ 'x-api-key': '  sy-abc ' }), 'sy-abc');
  assert.equal(presentedKey({ authorization: 'Basic x', 'x-api-key': 'sy-abc' }), 'sy-abc');
  assert.equal(presentedKey({ 'x-api-key': '   ' }), undefined);
  assert.equal(presentedKey({}), undefined);
});
