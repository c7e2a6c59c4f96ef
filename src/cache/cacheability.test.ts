// Which requests the cache may serve and store.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOpenAIChatRequest } from '../surfaces/openai/decode-openai-chat-request.js';
import { decideCacheability } from './cacheability.js';

const messages = [{ role: 'user', content: 'hi' }];
const decide = (
  body: Record<string, unknown>,
  mode: 'deterministic' | 'always' | 'off' = 'deterministic',
  directive?: 'no-store' | 'force',
) =>
  decideCacheability({
    request: decodeOpenAIChatRequest({ model: 'm', messages, ...body }),
    mode,
    directive,
  });

describe('cacheability', () => {
  it('caches temperature 0, and unset temperature with a seed', () => {
    assert.deepEqual(decide({ temperature: 0 }), { cacheable: true });
    assert.deepEqual(decide({ seed: 3 }), { cacheable: true });
  });

  it('does not cache sampling requests unless forced or the alias says always', () => {
    assert.deepEqual(decide({}), { cacheable: false, reason: 'not_deterministic' });
    assert.deepEqual(decide({ temperature: 0.7, seed: 3 }), {
      cacheable: false,
      reason: 'not_deterministic',
    });
    assert.deepEqual(decide({ temperature: 0.7 }, 'deterministic', 'force'), { cacheable: true });
    assert.deepEqual(decide({ temperature: 0.7 }, 'always'), { cacheable: true });
  });

  it('skips no-store, disabled aliases, several choices and log probabilities', () => {
    assert.deepEqual(decide({ temperature: 0 }, 'always', 'no-store'), {
      cacheable: false,
      reason: 'no-store',
    });
    assert.deepEqual(decide({ temperature: 0 }, 'off', 'force'), {
      cacheable: false,
      reason: 'disabled',
    });
    assert.deepEqual(decide({ temperature: 0, n: 2 }), {
      cacheable: false,
      reason: 'several_choices',
    });
    assert.deepEqual(decide({ temperature: 0, logprobs: true }), {
      cacheable: false,
      reason: 'unsupported_logprobs',
    });
    assert.deepEqual(decide({ temperature: 0, n: 1, logprobs: false }), { cacheable: true });
  });
});
