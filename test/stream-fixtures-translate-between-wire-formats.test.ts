// Byte-exact stream translation on recorded / documented fixtures, through the real converter and
// encoder pairs the gateway uses: Anthropic → Anthropic (fast path, bytes unchanged), Anthropic →
// OpenAI chunks, OpenAI-style (vLLM) → Anthropic events. Golden outputs live beside the fixtures;
// UPDATE_GOLDEN=1 rewrites them.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { StreamPart } from '../src/core/index.js';
import { SseDecoder } from '../src/lib/sse-decoder.js';
import { AnthropicStreamConverter } from '../src/providers/anthropic/convert-anthropic-stream.js';
import { OpenAIStreamConverter } from '../src/providers/openai/convert-openai-stream.js';
import { AnthropicStreamEncoder } from '../src/surfaces/anthropic/anthropic-stream-encoder.js';
import { OpenAIStreamEncoder } from '../src/surfaces/openai/openai-stream-encoder.js';

const providerFixtures = new URL('../src/providers/anthropic/__fixtures__/', import.meta.url);
const surfaceFixtures = new URL('../src/surfaces/anthropic/__fixtures__/', import.meta.url);

function golden(file: URL, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `golden ${file.pathname.split('/').pop()}`);
}

function anthropicParts(bytes: Uint8Array, passthrough: boolean): StreamPart[] {
  const decoder = new SseDecoder();
  const converter = new AnthropicStreamConverter({
    provider: 'anthropic',
    deployment: 'claude[0]',
    passthrough,
    nowSeconds: () => 1_700_000_000,
  });
  const parts: StreamPart[] = [];
  for (const event of decoder.push(bytes)) converter.push(event, parts);
  converter.end(parts);
  return parts;
}

function openAIParts(bytes: Uint8Array): StreamPart[] {
  const decoder = new SseDecoder();
  const converter = new OpenAIStreamConverter({
    provider: 'vllm',
    deployment: 'local[0]',
    passthrough: false,
  });
  const parts: StreamPart[] = [];
  for (const event of decoder.push(bytes)) converter.push(event, parts);
  converter.end(parts);
  return parts;
}

describe('stream fixtures translate between wire formats', () => {
  for (const name of ['basic-response', 'tool-use-response']) {
    const bytes = readFileSync(new URL(`${name}.sse`, providerFixtures));

    it(`${name}: the Anthropic fast path writes the upstream bytes unchanged`, () => {
      const encoder = new AnthropicStreamEncoder({
        requestId: 'r',
        model: 'alias',
        passthrough: true,
      });
      const written = anthropicParts(bytes, true)
        .map((part) => encoder.encode(part))
        .join('');
      assert.equal(written, bytes.toString('utf8'));
    });
  }

  for (const name of ['basic-response', 'tool-use-response', 'thinking-cache-response']) {
    it(`${name}: Anthropic events → OpenAI chunks (golden ${name}.openai.sse)`, () => {
      const bytes = readFileSync(new URL(`${name}.sse`, providerFixtures));
      const encoder = new OpenAIStreamEncoder({
        includeUsage: true,
        fallbackId: 'chatcmpl-fallback',
        model: 'alias',
        passthrough: false,
      });
      const written = anthropicParts(bytes, false)
        .map((part) => encoder.encode(part))
        .join('');
      golden(new URL(`${name}.openai.sse`, providerFixtures), written);
      // What openai-node would assemble: one text, tool calls with JSON arguments, usage.
      const chunks = written
        .split('\n\n')
        .filter((event) => event.startsWith('data: {'))
        .map((event) => JSON.parse(event.slice(6)) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
      const toolArguments = new Map<number, string>();
      for (const chunk of chunks) {
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
          toolArguments.set(
            call.index,
            (toolArguments.get(call.index) ?? '') + call.function.arguments,
          );
        }
      }
      for (const text of toolArguments.values()) JSON.parse(text);
      assert.ok(written.endsWith('data: [DONE]\n\n'));
    });
  }

  it('vLLM reasoning + two tool calls → the exact Anthropic event sequence (golden)', () => {
    const bytes = readFileSync(new URL('vllm-reasoning-tool-calls.sse', surfaceFixtures));
    const parts = openAIParts(bytes);
    const encoder = new AnthropicStreamEncoder({
      requestId: '4f1c2b7e-0000-4000-8000-000000000001',
      model: 'alias',
      passthrough: false,
    });
    const written = parts.map((part) => encoder.encode(part)).join('');
    golden(new URL('vllm-reasoning-tool-calls.anthropic.sse', surfaceFixtures), written);
    const events = written
      .split('\n\n')
      .filter(Boolean)
      .map((event) => /^event: (\w+)/.exec(event)?.[1]);
    assert.deepEqual(events, [
      'message_start',
      'ping',
      'content_block_start', // thinking
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start', // text
      'content_block_delta',
      'content_block_stop',
      'content_block_start', // tool_use 0
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start', // tool_use 1
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const delta = JSON.parse(/event: message_delta\ndata: (.*)\n/.exec(written)?.[1] ?? '{}');
    // prompt_tokens 412 includes 384 cached: Anthropic reports them apart.
    assert.deepEqual(delta.usage, {
      input_tokens: 28,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 384,
      output_tokens: 58,
    });
    assert.equal(delta.delta.stop_reason, 'tool_use');
  });
});
