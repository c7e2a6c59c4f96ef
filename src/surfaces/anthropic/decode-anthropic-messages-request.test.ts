import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/index.js';
import { renderAnthropicError } from './anthropic-error.js';
import { anthropicSurface } from './anthropic-surface.js';
import { decodeAnthropicMessagesRequest } from './decode-anthropic-messages-request.js';

describe('decodeAnthropicMessagesRequest', () => {
  it('decodes system blocks (cache_control kept), turns, tools, tool_choice and sampling', () => {
    const request = decodeAnthropicMessagesRequest({
      model: 'claude',
      max_tokens: 100,
      system: [
        { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      ],
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'use the tool', signature: 'sig' },
            { type: 'tool_use', id: 'toolu_1', name: 'w', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'here:' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'cold', is_error: false },
            { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
          ],
        },
        { role: 'system', content: 'Now answer in French.' },
      ],
      tools: [
        { name: 'w', description: 'weather', input_schema: { type: 'object' } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.5,
      top_k: 3,
      metadata: { user_id: 'u-1' },
      stream: true,
    });
    assert.deepEqual(request.messages, [
      {
        role: 'system',
        content: [
          { type: 'text', text: 'Be brief.', cacheControl: { type: 'ephemeral', ttl: '1h' } },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'use the tool', signature: 'sig' },
          { type: 'tool-call', id: 'toolu_1', name: 'w', arguments: '{"city":"Oslo"}' },
        ],
      },
      // Tool results first (OpenAI wants them right after the assistant turn), then the rest.
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: 'cold' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'here:' },
          { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
        ],
      },
      { role: 'system', content: [{ type: 'text', text: 'Now answer in French.' }] },
    ]);
    assert.deepEqual(request.tools, [
      { name: 'w', description: 'weather', parameters: { type: 'object' } },
    ]);
    assert.deepEqual(request.toolChoice, { type: 'required' });
    assert.equal(request.parallelToolCalls, false);
    assert.deepEqual(request.stop, ['END']);
    assert.equal(request.temperature, 0.5);
    assert.equal(request.topK, 3);
    assert.equal(request.user, 'u-1');
    assert.equal(request.maxOutputTokens, 100);
    assert.equal(request.stream, true);
    assert.deepEqual(request.extra, {}, 'nothing Anthropic-only leaks to OpenAI-style backends');
  });

  it('structured output (output_config.format json_schema) becomes an OpenAI response_format', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    const request = decodeAnthropicMessagesRequest({
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      output_config: { effort: 'low', format: { type: 'json_schema', schema } },
    });
    assert.deepEqual(request.responseFormat, {
      type: 'json_schema',
      json_schema: { name: 'output', schema },
    });
  });

  it('count_tokens bodies need no max_tokens and never stream', () => {
    const request = anthropicSurface.decodeCountTokens?.({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(request?.maxOutputTokens, undefined);
    assert.equal(request?.stream, false);
  });

  it('validation errors name the field and render in Anthropic shape', () => {
    try {
      decodeAnthropicMessagesRequest({
        model: 'claude',
        max_tokens: 5,
        messages: [{ role: 'bot', content: 'x' }],
      });
      assert.fail('expected a 400');
    } catch (error) {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.status, 400);
      assert.equal(error.param, 'messages.0.role');
      assert.deepEqual(renderAnthropicError(error), {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: "messages.0.role: Input should be 'user', 'assistant' or 'system'",
        },
      });
    }
  });

  it('reads the gateway key from x-api-key or Authorization: Bearer', () => {
    assert.equal(anthropicSurface.readApiKey?.({ 'x-api-key': 'sy-1' }), 'sy-1');
    assert.equal(anthropicSurface.readApiKey?.({ authorization: 'Bearer sy-2' }), 'sy-2');
    assert.equal(anthropicSurface.readApiKey?.({ authorization: 'Basic abc' }), undefined);
    assert.equal(anthropicSurface.readApiKey?.({}), undefined);
  });

  it('passes an upstream client error on with the Anthropic type of its status', () => {
    const error = new GatewayError('upstream_client_error', 'anthropic returned 401', {
      status: 401,
    });
    assert.equal(
      (renderAnthropicError(error).error as { type: string }).type,
      'authentication_error',
    );
  });
});
