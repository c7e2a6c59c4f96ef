import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { AnthropicMessage } from './anthropic-api.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

const fixture = JSON.parse(
  readFileSync(new URL('./__fixtures__/message-tool-use.json', import.meta.url), 'utf8'),
) as AnthropicMessage;

describe('convertAnthropicResponse', () => {
  it('keeps thinking (with signature), text and tool_use in order; arguments as JSON text', () => {
    const response = convertAnthropicResponse(fixture, 1_700_000_000);
    assert.deepEqual(response.content, [
      { type: 'reasoning', text: 'Paris weather needs the tool.', signature: 'EqQBCgIYAhIM' },
      { type: 'text', text: "I'll check the current weather in Paris for you." },
      {
        type: 'tool-call',
        id: 'toolu_01A09q90qw90lq917835lq9',
        name: 'get_weather',
        arguments: '{"location":"Paris","unit":"celsius"}',
      },
    ]);
    assert.deepEqual(response.finishReason, { unified: 'tool-calls', raw: 'tool_use' });
    assert.equal(response.created, 1_700_000_000);
  });

  it('usage: input_tokens excludes both cache fields; all four kept apart', () => {
    assert.deepEqual(convertAnthropicResponse(fixture).usage, {
      input: { total: 377 + 4096 + 128, noCache: 377, cacheRead: 4096, cacheWrite: 128 },
      output: { total: 65, text: 45, reasoning: 20 },
    });
    assert.deepEqual(convertAnthropicUsage({ input_tokens: 5, cache_read_input_tokens: null }), {
      input: { total: 5, noCache: 5, cacheRead: 0, cacheWrite: 0 },
      output: { total: 0, text: 0, reasoning: 0 },
    });
  });

  it('stop reasons map to the unified vocabulary, keeping the raw value', () => {
    const cases: Array<[string, string]> = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['tool_use', 'tool-calls'],
      ['refusal', 'content-filter'],
      ['pause_turn', 'other'],
    ];
    for (const [raw, unified] of cases) {
      assert.deepEqual(mapAnthropicStopReason(raw), { unified, raw });
    }
  });
});
