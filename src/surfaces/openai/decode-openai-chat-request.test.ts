// The OpenAI Chat Completions decoder: the internal request, and errors that name the field.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGatewayError } from '../../core/index.js';
import { decodeOpenAIChatRequest } from './decode-openai-chat-request.js';

const messages = [
  { role: 'system', content: 'You are a terse assistant.' },
  { role: 'user', content: 'Name three colours of the rainbow, one word each.' },
];

function rejection(body: unknown): { param: string | undefined; message: string } {
  try {
    decodeOpenAIChatRequest(body);
  } catch (error) {
    assert.ok(isGatewayError(error));
    assert.equal(error.code, 'invalid_request');
    return { param: error.param, message: error.message };
  }
  assert.fail('the body was accepted');
}

describe('decodeOpenAIChatRequest', () => {
  it('decodes a plain chat body; unknown fields go to extra in body order', () => {
    const request = decodeOpenAIChatRequest({
      model: 'bench-model',
      zeta: 1,
      messages,
      stream: true,
      stream_options: { include_usage: true },
      alpha: [2],
      temperature: 0.5,
    });
    assert.deepEqual(request, {
      model: 'bench-model',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are a terse assistant.' }] },
        {
          role: 'user',
          content: [{ type: 'text', text: 'Name three colours of the rainbow, one word each.' }],
        },
      ],
      stream: true,
      includeUsage: true,
      temperature: 0.5,
      extra: { zeta: 1, alpha: [2] },
    });
    assert.deepEqual(Object.keys(request.extra), ['zeta', 'alpha']);
  });

  it('names the nested field of a malformed message', () => {
    const cases: Array<[unknown[], string, string]> = [
      [[5], 'messages[0]', "Invalid type for 'messages[0]': expected object, got number."],
      [
        [
          { role: 'user', content: 'a' },
          { role: 'system', content: 5 },
        ],
        'messages[1].content',
        "Invalid type for 'messages[1].content': expected array, got number.",
      ],
      [
        [{ role: 'system', content: [{ type: 'text', text: 'a' }, 'b'] }],
        'messages[0].content[1]',
        "Invalid type for 'messages[0].content[1]': expected object, got string.",
      ],
      [
        [{ role: 'assistant', content: [{ type: 'image_url' }] }],
        'messages[0].content[0].type',
        "Invalid value for 'messages[0].content[0].type': expected 'text'.",
      ],
      [
        [{ role: 'system', content: [{ type: 'text', text: null }] }],
        'messages[0].content[0].text',
        "Invalid type for 'messages[0].content[0].text': expected string, got null.",
      ],
      [
        [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'tool' }],
        'messages[2].tool_call_id',
        "Invalid type for 'messages[2].tool_call_id': expected string, got undefined.",
      ],
      [
        [{ role: 'tool', tool_call_id: 'c', content: [{ type: 'text', text: 3 }] }],
        'messages[0].content[0].text',
        "Invalid type for 'messages[0].content[0].text': expected string, got number.",
      ],
      [
        [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }],
        'messages[0].content[0].image_url.url',
        "Invalid type for 'messages[0].content[0].image_url.url': expected string, got undefined.",
      ],
      [[{ content: 'a' }], 'messages[0].role', "Missing required parameter: 'messages[0].role'."],
      [
        [{ role: 'wizard', content: 'a' }],
        'messages[0].role',
        `Invalid value for 'messages[0].role': "wizard" (expected one of system, developer, user, assistant, tool).`,
      ],
    ];
    for (const [badMessages, param, message] of cases) {
      assert.deepEqual(rejection({ model: 'm', messages: badMessages }), { param, message });
    }
  });

  it('checks the numeric fields against their ranges', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [
        { max_tokens: 1.5 },
        'max_tokens',
        "Invalid value for 'max_tokens': expected an integer, got 1.5.",
      ],
      [
        { max_completion_tokens: 0 },
        'max_completion_tokens',
        "Invalid value for 'max_completion_tokens': 0 is outside [1, 10000000].",
      ],
      [{ temperature: 3 }, 'temperature', "Invalid value for 'temperature': 3 is outside [0, 2]."],
      [{ top_p: '1' }, 'top_p', "Invalid type for 'top_p': expected number, got string."],
      [{ seed: 0.5 }, 'seed', "Invalid value for 'seed': expected an integer, got 0.5."],
      [
        { presence_penalty: -3 },
        'presence_penalty',
        "Invalid value for 'presence_penalty': -3 is outside [-2, 2].",
      ],
    ];
    for (const [fields, param, message] of cases) {
      assert.deepEqual(rejection({ model: 'm', messages, ...fields }), { param, message });
    }
    const request = decodeOpenAIChatRequest({
      model: 'm',
      messages,
      max_tokens: 10,
      max_completion_tokens: 20,
      top_p: 1,
      seed: -4,
      frequency_penalty: 2,
    });
    assert.equal(request.maxOutputTokens, 20);
    assert.equal(request.topP, 1);
    assert.equal(request.seed, -4);
    assert.equal(request.frequencyPenalty, 2);
  });
});
