import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError, type ChatRequest, type Deployment } from '../../core/index.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

const deployment: Deployment = {
  id: 'claude[0]',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  timeouts: { connectMs: 1, firstByteMs: 1, idleMs: 1, totalMs: 1 },
};
const settings = {
  apiVersion: '2026-10-21',
  defaultMaxTokens: 1000,
  unsupportedParameters: 'drop' as const,
};

function convert(request: Partial<ChatRequest>, passthroughBody?: Record<string, unknown>) {
  return convertToAnthropicRequest({
    request: {
      model: 'alias',
      messages: [],
      stream: false,
      includeUsage: false,
      extra: {},
      ...request,
    },
    deployment,
    settings,
    ...(passthroughBody ? { passthroughBody } : {}),
  });
}

describe('convertToAnthropicRequest', () => {
  it('fast path: the client body with only model patched and the version rules applied', () => {
    const client = {
      model: 'alias',
      max_tokens: 5,
      temperature: 0.1,
      messages: [],
      thinking: { type: 'adaptive' },
    };
    const body = convert({}, client);
    assert.deepEqual(body, {
      model: 'claude-sonnet-4-5',
      max_tokens: 5,
      messages: [],
      thinking: { type: 'adaptive' },
    });
    assert.equal(client.temperature, 0.1, 'the original request is never modified');
  });

  it('keeps signed thinking for replay, drops unsigned reasoning and empty text', () => {
    const body = convert({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'signed', signature: 'sig' },
            { type: 'reasoning', text: 'from another vendor' },
            { type: 'text', text: '' },
            { type: 'text', text: 'a' },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: '' }] },
      ],
    });
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'signed', signature: 'sig' },
          { type: 'text', text: 'a' },
        ],
      },
    ]);
    assert.equal(body.max_tokens, 1000);
  });

  it('system parts with cache_control become system blocks', () => {
    const body = convert({
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: 'long', cacheControl: { type: 'ephemeral' } }],
        },
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
      ],
    });
    assert.deepEqual(body.system, [
      { type: 'text', text: 'long', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('refuses parts and arguments it cannot express, naming them', () => {
    const refuses = (request: Partial<ChatRequest>, param: string) =>
      assert.throws(
        () => convert(request),
        (error: unknown) =>
          error instanceof GatewayError && error.status === 400 && error.param === param,
      );
    refuses(
      {
        messages: [
          {
            role: 'user',
            content: [{ type: 'opaque', format: 'openai-chat', value: { type: 'input_audio' } }],
          },
        ],
      },
      'messages[0].content[0]',
    );
    refuses(
      {
        messages: [
          {
            role: 'assistant',
            content: [{ type: 'tool-call', id: 'c', name: 'f', arguments: '[1,2]' }],
          },
        ],
      },
      'messages[0].tool_calls',
    );
    refuses({ responseFormat: { type: 'json_object' } }, 'response_format');
  });
});
