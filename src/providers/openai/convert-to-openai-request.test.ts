// The upstream body built from the client's own body (the same-format fast path).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest, Deployment } from '../../core/index.js';
import { convertToOpenAIRequest } from './convert-to-openai-request.js';

const deployment: Deployment = {
  id: 'emulator/gpt-4o-mini',
  provider: 'emulator',
  model: 'gpt-4o-mini',
  timeouts: { connectMs: 1, firstByteMs: 1, idleMs: 1, totalMs: 1 },
};
const messages = [{ role: 'user', content: 'hi' }];
const request = (stream: boolean): ChatRequest => ({
  model: 'bench-model',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream,
  includeUsage: false,
  extra: {},
});

describe('convertToOpenAIRequest with the passthrough body', () => {
  it('patches only the model, keeping every other field and the key order', () => {
    const body = { top_p: 1, model: 'bench-model', messages, logprobs: true };
    const converted = convertToOpenAIRequest(request(false), deployment, body);
    assert.equal(
      JSON.stringify(converted),
      JSON.stringify({ top_p: 1, model: 'gpt-4o-mini', messages, logprobs: true }),
    );
    assert.equal(body.model, 'bench-model', 'the client body is left as it was');
  });

  it('asks a stream for usage, keeping the client stream options where they were', () => {
    const plain = JSON.parse('{"model":"bench-model","messages":[],"stream":true}') as Record<
      string,
      unknown
    >;
    assert.equal(
      JSON.stringify(convertToOpenAIRequest(request(true), deployment, plain)),
      '{"model":"gpt-4o-mini","messages":[],"stream":true,"stream_options":{"include_usage":true}}',
    );
    assert.equal(plain.stream_options, undefined, 'the client body is left as it was');

    const withOptions = {
      model: 'bench-model',
      stream_options: { include_usage: false, extra: 1 },
      stream: true,
      messages,
    };
    const converted = convertToOpenAIRequest(request(true), deployment, withOptions);
    assert.equal(
      JSON.stringify(converted),
      JSON.stringify({
        model: 'gpt-4o-mini',
        stream_options: { include_usage: true, extra: 1 },
        stream: true,
        messages,
      }),
    );
    assert.deepEqual(withOptions.stream_options, { include_usage: false, extra: 1 });
    assert.equal(Object.getPrototypeOf(converted), Object.prototype);

    const nullOptions = { model: 'bench-model', messages, stream: true, stream_options: null };
    assert.deepEqual(
      convertToOpenAIRequest(request(true), deployment, nullOptions).stream_options,
      { include_usage: true },
    );
  });

  it('forwards an own __proto__ key of a stream body as a key', () => {
    const body = JSON.parse('{"model":"m","__proto__":{"a":1},"stream":true}') as Record<
      string,
      unknown
    >;
    const converted = convertToOpenAIRequest(request(true), deployment, body);
    assert.equal(Object.getPrototypeOf(converted), Object.prototype);
    assert.equal(
      JSON.stringify(converted),
      '{"model":"gpt-4o-mini","__proto__":{"a":1},"stream":true,"stream_options":{"include_usage":true}}',
    );
  });
});
