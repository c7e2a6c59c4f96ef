// Exact-cache keys: the same request in any JSON layout gives one key; anything that changes the
// answer (or the tenant) gives another.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOpenAIChatRequest } from '../surfaces/openai/decode-openai-chat-request.js';
import { canonicalJson, exactCacheKey } from './canonical-request.js';

const base = {
  model: 'fast',
  temperature: 0,
  messages: [
    { role: 'system', content: 'Be terse.' },
    { role: 'user', content: 'Name a river.' },
  ],
};

function keyOf(body: Record<string, unknown>, tenant = 'user:alice') {
  return exactCacheKey(tenant, decodeOpenAIChatRequest(body));
}

describe('exact cache key', () => {
  it('sorts object keys at every depth', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }),
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('keeps the keys of stored entries: the same bytes as JSON.stringify for every value kind', () => {
    // Keys live in Redis across versions: this one must never change.
    assert.equal(
      keyOf(base),
      'user%3Aalice:d68529ae40e1452835a14e1ebc1e1064b99c13694e1f1d758287dadd28298aed',
    );
    assert.equal(
      canonicalJson({
        s: 'q"\\\n\u0001\ud800😀\u2028',
        n: [NaN, -0, 1e21, 1.5, undefined, () => 1],
        '10': 1,
        '2': 2,
        B: true,
        a: undefined,
        d: new Date(0),
        t: new Float32Array([1, 2]),
      }),
      '{"10":1,"2":2,"B":true,"d":{},"n":[null,0,1e+21,1.5,null,null],"s":"q\\"\\\\\\n\\u0001\\ud800😀\u2028","t":{"0":1,"1":2}}',
    );
  });

  it('ignores key order, stream flags, usage options and user labels', () => {
    const reordered = JSON.parse(
      '{"messages":[{"content":"Be terse.","role":"system"},{"content":"Name a river.","role":"user"}],"temperature":0,"model":"fast"}',
    ) as Record<string, unknown>;
    const key = keyOf(base);
    assert.equal(keyOf(reordered), key);
    assert.equal(keyOf({ ...base, stream: true, stream_options: { include_usage: true } }), key);
    assert.equal(keyOf({ ...base, user: 'someone', metadata: { feature: 'x' } }), key);
  });

  it('changes with every answer-changing field, and with the tenant', () => {
    const key = keyOf(base);
    const variants: Array<Record<string, unknown>> = [
      { ...base, model: 'smart' },
      { ...base, temperature: 0.1 },
      { ...base, max_tokens: 10 },
      { ...base, top_p: 0.5 },
      { ...base, seed: 1 },
      { ...base, stop: ['\n'] },
      { ...base, response_format: { type: 'json_object' } },
      { ...base, top_k: 5 },
      {
        ...base,
        messages: [...base.messages.slice(0, 1), { role: 'user', content: 'Name a lake.' }],
      },
      { ...base, messages: [{ role: 'system', content: 'Be verbose.' }, base.messages[1]] },
      {
        ...base,
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      },
    ];
    const keys = new Set(variants.map((variant) => keyOf(variant)));
    assert.equal(keys.size, variants.length);
    assert.ok(!keys.has(key));
    assert.notEqual(keyOf(base, 'user:bob'), key);
    assert.ok(key.startsWith('user%3Aalice:'));
  });
});
