// The golden transcript set: every (surface × backend) pair — OpenAI→OpenAI, OpenAI→Anthropic,
// Anthropic→Anthropic, Anthropic→OpenAI-compatible — non-stream and stream, text and tool use,
// checked by the official SDK of the surface (including its stream helpers). Usage and cached
// tokens are asserted exactly against the emulator's own numbers: each emulator has a twin that
// receives the very same upstream requests in the same order (so its prefix cache is in the same
// state) and answers them without the gateway in between.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** An emulator and its twin; `next()` replays the primary's new requests on the twin. */
interface Mirrored {
  primary: Emulator;
  twin: Emulator;
  mirrored: number;
}

async function startMirrored(options: EmulatorOptions): Promise<Mirrored> {
  return { primary: await startEmulator(options), twin: await startEmulator(options), mirrored: 0 };
}

/** Replays every request the primary got since the last call; returns the twin's JSON answers. */
async function replayOnTwin(pair: Mirrored): Promise<Json[]> {
  const answers: Json[] = [];
  const pending = pair.primary.requests.slice(pair.mirrored);
  pair.mirrored = pair.primary.requests.length;
  for (const recorded of pending) {
    const body = { ...(recorded.body as Json) };
    delete body.stream;
    delete body.stream_options;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const name of ['authorization', 'x-api-key', 'anthropic-version']) {
      const value = recorded.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const response = await fetch(pair.twin.url + recorded.path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    answers.push((await response.json()) as Json);
  }
  return answers;
}

async function onlyTwinAnswer(pair: Mirrored): Promise<Json> {
  const answers = await replayOnTwin(pair);
  assert.equal(answers.length, 1, 'exactly one upstream request per gateway request');
  return answers[0] as Json;
}

/** The emulator's numbers in internal terms, whatever its wire format. */
function twinUsage(answer: Json): {
  total: number;
  noCache: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
} {
  const usage = answer.usage as Json;
  if ('input_tokens' in usage) {
    const cacheRead = usage.cache_read_input_tokens ?? 0;
    const cacheWrite = usage.cache_creation_input_tokens ?? 0;
    return {
      total: usage.input_tokens + cacheRead + cacheWrite,
      noCache: usage.input_tokens,
      cacheRead,
      cacheWrite,
      output: usage.output_tokens,
    };
  }
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    total: usage.prompt_tokens,
    noCache: usage.prompt_tokens - cacheRead,
    cacheRead,
    cacheWrite: 0,
    output: usage.completion_tokens,
  };
}

function twinText(answer: Json): string {
  if (Array.isArray(answer.content)) {
    return (answer.content as Json[])
      .filter((block) => block.type === 'text')
      .map((block) => block.text as string)
      .join('');
  }
  return (answer.choices[0].message.content as string | null) ?? '';
}

function twinToolInput(answer: Json): unknown {
  if (Array.isArray(answer.content)) {
    return (answer.content as Json[]).find((block) => block.type === 'tool_use')?.input;
  }
  return JSON.parse(answer.choices[0].message.tool_calls[0].function.arguments as string);
}

function assertOpenAIUsage(usage: OpenAI.CompletionUsage | undefined | null, answer: Json): void {
  const expected = twinUsage(answer);
  assert.ok(usage, 'usage present');
  assert.equal(usage.prompt_tokens, expected.total, 'prompt_tokens includes cached tokens');
  assert.equal(usage.prompt_tokens_details?.cached_tokens, expected.cacheRead, 'cached_tokens');
  assert.equal(usage.completion_tokens, expected.output, 'completion_tokens');
  assert.equal(usage.total_tokens, expected.total + expected.output, 'total_tokens');
}

function assertAnthropicUsage(usage: Anthropic.Usage, answer: Json): void {
  const expected = twinUsage(answer);
  assert.equal(usage.input_tokens, expected.noCache, 'input_tokens excludes the cache');
  assert.equal(usage.cache_read_input_tokens, expected.cacheRead, 'cache_read_input_tokens');
  assert.equal(
    usage.cache_creation_input_tokens,
    expected.cacheWrite,
    'cache_creation_input_tokens',
  );
  assert.equal(usage.output_tokens, expected.output, 'output_tokens');
}

// Long enough that repeated requests hit the emulators' prefix cache (16-token blocks).
const system =
  'You are a careful assistant for a logistics company. Answer in one short sentence, ' +
  'never speculate, and say so when you do not know. Prefer metric units and ISO dates.';

const weatherParameters = {
  type: 'object' as const,
  properties: { city: { type: 'string' }, days: { type: 'integer' } },
  required: ['city', 'days'],
};

describe('golden transcripts across surfaces and backends', () => {
  let openai: Mirrored;
  let anthropic: Mirrored;
  let vllm: Mirrored;
  let gateway: TestGateway;
  let openaiClient: OpenAI;
  let anthropicClient: Anthropic;
  const sawCacheRead = new Set<string>();

  before(async () => {
    openai = await startMirrored({ kind: 'openai', apiKey: 'sk-openai-upstream' });
    anthropic = await startMirrored({ kind: 'anthropic', apiKey: 'sk-ant-upstream' });
    vllm = await startMirrored({ kind: 'vllm', promptTokensDetails: true });
    gateway = await startGateway({
      providers: {
        openai: {
          type: 'openai',
          baseUrl: `${openai.primary.url}/v1`,
          apiKey: 'sk-openai-upstream',
        },
        anthropic: { type: 'anthropic', baseUrl: anthropic.primary.url, apiKey: 'sk-ant-upstream' },
        vllm: { type: 'openai-compatible', baseUrl: `${vllm.primary.url}/v1` },
      },
      models: {
        'gpt-alias': [{ provider: 'openai', model: 'gpt-4o-mini' }],
        'claude-alias': [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
        'llama-alias': [{ provider: 'vllm', model: 'meta-llama/Llama-3.1-8B-Instruct' }],
      },
    });
    openaiClient = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sy-client', maxRetries: 0 });
    anthropicClient = new Anthropic({ baseURL: gateway.url, apiKey: 'sy-client', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    for (const pair of [openai, anthropic, vllm]) {
      await pair.primary.close();
      await pair.twin.close();
    }
  });

  const openaiPairs = [
    { name: 'OpenAI→OpenAI', alias: 'gpt-alias', backend: () => openai },
    { name: 'OpenAI→Anthropic', alias: 'claude-alias', backend: () => anthropic },
  ];

  for (const pair of openaiPairs) {
    describe(pair.name, () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'system', content: system },
        { role: 'user', content: 'Which river flows through Vienna and Budapest?' },
      ];
      const tools: OpenAI.ChatCompletionTool[] = [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Forecast', parameters: weatherParameters },
        },
      ];
      let nonStreamText = '';
      let nonStreamToolInput: unknown;

      it('non-stream text: the answer and the exact usage', async () => {
        const completion = await openaiClient.chat.completions.create({
          model: pair.alias,
          messages,
        });
        const answer = await onlyTwinAnswer(pair.backend());
        nonStreamText = completion.choices[0]?.message.content ?? '';
        assert.ok(nonStreamText.startsWith('Echo: Which river'));
        assert.equal(nonStreamText, twinText(answer));
        assert.equal(completion.choices[0]?.finish_reason, 'stop');
        assert.equal(completion.object, 'chat.completion');
        assertOpenAIUsage(completion.usage, answer);
      });

      it('stream text: finalChatCompletion equals the non-stream answer; usage exact', async () => {
        const stream = openaiClient.chat.completions.stream({
          model: pair.alias,
          messages,
          stream_options: { include_usage: true },
        });
        let chunks = 0;
        stream.on('chunk', () => (chunks += 1));
        const final = await stream.finalChatCompletion();
        const answer = await onlyTwinAnswer(pair.backend());
        assert.equal(final.choices[0]?.message.content, nonStreamText);
        assert.equal(final.choices[0]?.finish_reason, 'stop');
        assert.ok(chunks >= 3, 'streamed in several chunks');
        assertOpenAIUsage(final.usage, answer);
        if ((final.usage?.prompt_tokens_details?.cached_tokens ?? 0) > 0)
          sawCacheRead.add(pair.name);
      });

      it('non-stream tool call: arguments are JSON equal to the upstream tool input', async () => {
        const completion = await openaiClient.chat.completions.create({
          model: pair.alias,
          messages,
          tools,
          tool_choice: { type: 'function', function: { name: 'get_weather' } },
        });
        const answer = await onlyTwinAnswer(pair.backend());
        const call = completion.choices[0]?.message.tool_calls?.[0];
        assert.ok(call?.type === 'function');
        assert.equal(call.function.name, 'get_weather');
        nonStreamToolInput = JSON.parse(call.function.arguments);
        assert.deepEqual(nonStreamToolInput, twinToolInput(answer));
        assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
        assertOpenAIUsage(completion.usage, answer);
      });

      it('stream tool call: streamed arguments parse as JSON; then the tool result turn', async () => {
        const stream = openaiClient.chat.completions.stream({
          model: pair.alias,
          messages,
          tools,
          tool_choice: 'required',
          stream_options: { include_usage: true },
        });
        const final = await stream.finalChatCompletion();
        const answer = await onlyTwinAnswer(pair.backend());
        const call = final.choices[0]?.message.tool_calls?.[0];
        assert.ok(call?.type === 'function');
        assert.deepEqual(JSON.parse(call.function.arguments), nonStreamToolInput);
        assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
        assertOpenAIUsage(final.usage, answer);

        const followUp = await openaiClient.chat.completions.create({
          model: pair.alias,
          messages: [
            ...messages,
            { role: 'assistant', content: null, tool_calls: [call] },
            { role: 'tool', tool_call_id: call.id, content: 'Sunny, 24 degrees' },
          ],
          tools,
        });
        const followAnswer = await onlyTwinAnswer(pair.backend());
        assert.equal(followUp.choices[0]?.message.content, 'Tool result: Sunny, 24 degrees');
        assertOpenAIUsage(followUp.usage, followAnswer);
      });
    });
  }

  const anthropicPairs = [
    { name: 'Anthropic→Anthropic', model: 'claude-alias', backend: () => anthropic },
    { name: 'Anthropic→OpenAI-compatible', model: 'llama-alias', backend: () => vllm },
  ];

  for (const pair of anthropicPairs) {
    describe(pair.name, () => {
      const messages: Anthropic.MessageParam[] = [
        { role: 'user', content: 'Which river flows through Vienna and Budapest?' },
      ];
      const systemBlocks: Anthropic.TextBlockParam[] = [
        { type: 'text', text: system, cache_control: { type: 'ephemeral' } },
      ];
      const tools: Anthropic.Tool[] = [
        { name: 'get_weather', description: 'Forecast', input_schema: weatherParameters },
      ];
      let nonStream: Anthropic.Message | undefined;
      let nonStreamTool: Anthropic.Message | undefined;

      it('non-stream text: the answer and the exact usage, cache fields separate', async () => {
        const message = await anthropicClient.messages.create({
          model: pair.model,
          max_tokens: 256,
          system: systemBlocks,
          messages,
        });
        const answer = await onlyTwinAnswer(pair.backend());
        nonStream = message;
        assert.equal(message.type, 'message');
        assert.equal(message.role, 'assistant');
        assert.match(message.id, /^msg_/);
        assert.equal(message.content[0]?.type, 'text');
        assert.equal(
          message.content[0]?.type === 'text' && message.content[0].text,
          twinText(answer),
        );
        assert.equal(message.stop_reason, 'end_turn');
        assertAnthropicUsage(message.usage, answer);
      });

      it('stream text: messages.stream().finalMessage() equals the non-stream answer', async () => {
        const stream = anthropicClient.messages.stream({
          model: pair.model,
          max_tokens: 256,
          system: systemBlocks,
          messages,
        });
        const events: string[] = [];
        stream.on('streamEvent', (event) => events.push(event.type));
        const final = await stream.finalMessage();
        const answer = await onlyTwinAnswer(pair.backend());
        assert.deepEqual(final.content, nonStream?.content);
        assert.equal(final.stop_reason, nonStream?.stop_reason);
        assert.equal(final.model, nonStream?.model);
        assertAnthropicUsage(final.usage, answer);
        if ((final.usage.cache_read_input_tokens ?? 0) > 0) sawCacheRead.add(pair.name);
        assert.equal(events[0], 'message_start');
        assert.equal(events.at(-1), 'message_stop');
        assert.equal(events.at(-2), 'message_delta');
        assert.ok(events.includes('content_block_start') && events.includes('content_block_stop'));
      });

      it('non-stream tool use: a tool_use block with the upstream input', async () => {
        const message = await anthropicClient.messages.create({
          model: pair.model,
          max_tokens: 256,
          system: systemBlocks,
          messages,
          tools,
          tool_choice: { type: 'tool', name: 'get_weather' },
        });
        const answer = await onlyTwinAnswer(pair.backend());
        nonStreamTool = message;
        const block = message.content.find((item) => item.type === 'tool_use');
        assert.ok(block?.type === 'tool_use');
        assert.equal(block.name, 'get_weather');
        assert.deepEqual(block.input, twinToolInput(answer));
        assert.equal(message.stop_reason, 'tool_use');
        assertAnthropicUsage(message.usage, answer);
      });

      it('stream tool use: input_json_delta accumulates to the same input; then the result turn', async () => {
        const stream = anthropicClient.messages.stream({
          model: pair.model,
          max_tokens: 256,
          system: systemBlocks,
          messages,
          tools,
          tool_choice: { type: 'any' },
        });
        const deltas: string[] = [];
        stream.on('inputJson', (partial) => deltas.push(partial));
        const final = await stream.finalMessage();
        const answer = await onlyTwinAnswer(pair.backend());
        const block = final.content.find((item) => item.type === 'tool_use');
        const expected = nonStreamTool?.content.find((item) => item.type === 'tool_use');
        assert.ok(block?.type === 'tool_use' && expected?.type === 'tool_use');
        assert.deepEqual(block.input, expected.input);
        assert.equal(block.name, expected.name);
        assert.ok(deltas.length >= 2, 'arguments arrived in several input_json_delta events');
        assert.equal(final.stop_reason, 'tool_use');
        assertAnthropicUsage(final.usage, answer);

        const followUp = await anthropicClient.messages.create({
          model: pair.model,
          max_tokens: 256,
          system: systemBlocks,
          tools,
          messages: [
            ...messages,
            { role: 'assistant', content: final.content },
            {
              role: 'user',
              content: [
                { type: 'tool_result', tool_use_id: block.id, content: 'Sunny, 24 degrees' },
              ],
            },
          ],
        });
        const followAnswer = await onlyTwinAnswer(pair.backend());
        assert.deepEqual(followUp.content, [
          { type: 'text', text: 'Tool result: Sunny, 24 degrees' },
        ]);
        assertAnthropicUsage(followUp.usage, followAnswer);
      });
    });
  }

  it('cached-token counts were non-zero somewhere in every pair (the equality meant something)', () => {
    assert.deepEqual([...sawCacheRead].sort(), [
      'Anthropic→Anthropic',
      'Anthropic→OpenAI-compatible',
      'OpenAI→Anthropic',
      'OpenAI→OpenAI',
    ]);
  });
});
