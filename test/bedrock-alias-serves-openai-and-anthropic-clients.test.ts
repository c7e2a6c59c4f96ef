// A model alias served by AWS Bedrock (the emulator's bedrock kind, which verifies the SigV4
// signature of every request) answers both official SDKs: text, tool calls, streams, and usage
// exact to the token, cache reads included.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
// The AWS documentation's example keys: what the bedrock emulator accepts by default.
const AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** The emulator's prompt rule (emulator/README.md): each segment costs 4 + ceil(chars / 4). */
function promptTokens(...segments: string[]): number {
  return segments.reduce((sum, text) => sum + 4 + Math.ceil(text.length / 4), 0);
}

/** Cached tokens once the whole prompt was seen: whole 16-token blocks, never the last token. */
function cachedAfterRepeat(prompt: number): number {
  return Math.floor((prompt - 1) / 16) * 16;
}

const weatherTool = {
  name: 'get_weather',
  description: 'Forecast for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

describe('a Bedrock-served alias', () => {
  let bedrock: Emulator;
  let gateway: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    bedrock = await startEmulator({ kind: 'bedrock', name: 'bedrock' });
    // Region and credentials come from the AWS environment variables; only the endpoint is set.
    gateway = await startGateway(
      {
        providers: { aws: { type: 'bedrock', baseUrl: bedrock.url } },
        models: { claude: [{ provider: 'aws', model: MODEL }] },
      },
      AWS_ENV,
    );
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sy', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'sy', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await bedrock.close();
  });

  it('sends a SigV4-signed Converse request to /model/{id}/converse', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'Sign me' }] })
      .withResponse();
    assert.equal(data.choices[0]?.message.content, 'Echo: Sign me');
    assert.equal(response.headers.get('x-switchyard-provider'), 'aws');
    const sent = bedrock.requests.at(-1);
    assert.equal(sent?.path, `/model/${encodeURIComponent(MODEL)}/converse`);
    const authorization = String(sent?.headers.authorization);
    assert.match(
      authorization,
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/,
    );
    assert.deepEqual(sent?.body, { messages: [{ role: 'user', content: [{ text: 'Sign me' }] }] });
  });

  it('OpenAI SDK, non-stream: answer and exact usage, then cache reads on a repeat', async () => {
    const system = 'You answer in one short sentence and never mention the weather. '.repeat(3);
    const user = 'What is the capital of Austria?';
    const request = {
      model: 'claude',
      messages: [
        { role: 'system' as const, content: system },
        { role: 'user' as const, content: user },
      ],
    };
    const prompt = promptTokens(system, user);
    const first = await openai.chat.completions.create(request);
    assert.equal(first.choices[0]?.message.content, `Echo: ${user}`);
    assert.equal(first.choices[0]?.finish_reason, 'stop');
    assert.equal(first.usage?.prompt_tokens, prompt);
    assert.equal(first.usage?.completion_tokens, 7);
    assert.equal(first.usage?.prompt_tokens_details?.cached_tokens ?? 0, 0);
    const second = await openai.chat.completions.create(request);
    assert.equal(second.usage?.prompt_tokens, prompt);
    assert.equal(second.usage?.prompt_tokens_details?.cached_tokens, cachedAfterRepeat(prompt));
    assert.equal(second.usage?.total_tokens, prompt + 7);
  });

  it('OpenAI SDK, stream: the text in order and the usage chunk', async () => {
    const user = 'Stream these seven words to me please';
    const stream = await openai.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: user }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, `Echo: ${user}`);
    assert.equal(finish, 'stop');
    assert.equal(usage?.prompt_tokens, promptTokens(user));
    assert.equal(usage?.completion_tokens, 8);
  });

  it('OpenAI SDK: a tool call, non-stream and stream', async () => {
    const request = {
      model: 'claude',
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
      tools: [{ type: 'function' as const, function: weatherTool }],
    };
    const completion = await openai.chat.completions.create(request);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'example' });
    assert.match(call.id, /^tooluse_/);

    const stream = await openai.chat.completions.create({ ...request, stream: true });
    let name = '';
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      name += delta?.function?.name ?? '';
      args += delta?.function?.arguments ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
    }
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: 'example' });
    assert.equal(finish, 'tool_calls');

    // The tool result goes back as a toolResult block in a user turn.
    const followUp = await openai.chat.completions.create({
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny and 21 degrees' },
      ],
    });
    assert.equal(followUp.choices[0]?.message.content, 'Tool result: sunny and 21 degrees');
    const sent = bedrock.requests.at(-1)?.body as {
      messages: Array<{ role: string; content: unknown[] }>;
    };
    assert.deepEqual(sent.messages.at(-1), {
      role: 'user',
      content: [
        { toolResult: { toolUseId: call.id, content: [{ text: 'sunny and 21 degrees' }] } },
      ],
    });
  });

  it('Anthropic SDK, non-stream: answer, stop reason and cache write then read', async () => {
    const system = 'A long, stable system prompt that is marked for prompt caching. '.repeat(3);
    const user = 'Name a river in Vienna';
    const request = {
      model: 'claude',
      max_tokens: 100,
      system: [
        { type: 'text' as const, text: system, cache_control: { type: 'ephemeral' as const } },
      ],
      messages: [{ role: 'user' as const, content: user }],
    };
    const prompt = promptTokens(system, user);
    const first = await anthropic.messages.create(request);
    assert.deepEqual(
      first.content.map((block) => block.type === 'text' && block.text),
      [`Echo: ${user}`],
    );
    assert.equal(first.stop_reason, 'end_turn');
    // The cache_control became a cachePoint block after the system text.
    const sent = bedrock.requests.at(-1)?.body as { system: unknown[] };
    assert.deepEqual(sent.system, [{ text: system }, { cachePoint: { type: 'default' } }]);
    assert.equal(first.usage.cache_read_input_tokens ?? 0, 0);
    assert.equal(first.usage.input_tokens + (first.usage.cache_creation_input_tokens ?? 0), prompt);
    assert.equal(first.usage.output_tokens, 6);
    // The emulator writes the whole prompt to the cache when a cachePoint is present.
    assert.equal(first.usage.cache_creation_input_tokens, prompt);
    assert.equal(first.usage.input_tokens, 0);
    const second = await anthropic.messages.create(request);
    assert.equal(second.usage.cache_read_input_tokens, cachedAfterRepeat(prompt));
    assert.equal(second.usage.cache_creation_input_tokens, prompt - cachedAfterRepeat(prompt));
    assert.equal(
      second.usage.input_tokens +
        (second.usage.cache_read_input_tokens ?? 0) +
        (second.usage.cache_creation_input_tokens ?? 0),
      prompt,
    );
  });

  it('Anthropic SDK, stream: text deltas, final message and usage', async () => {
    const user = 'Stream to the Anthropic client';
    const stream = anthropic.messages.stream({
      model: 'claude',
      max_tokens: 100,
      messages: [{ role: 'user', content: user }],
    });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();
    assert.equal(text, `Echo: ${user}`);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 6);
    assert.equal(
      message.usage.input_tokens +
        (message.usage.cache_read_input_tokens ?? 0) +
        (message.usage.cache_creation_input_tokens ?? 0),
      promptTokens(user),
    );
  });

  it('Anthropic SDK: a tool_use block from a Bedrock toolUse, streamed', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      tools: [
        {
          name: weatherTool.name,
          input_schema: weatherTool.parameters as Anthropic.Tool.InputSchema,
        },
      ],
    });
    const message = await stream.finalMessage();
    assert.equal(message.stop_reason, 'tool_use');
    const block = message.content.find((item) => item.type === 'tool_use');
    assert.ok(block?.type === 'tool_use');
    assert.equal(block.name, 'get_weather');
    assert.deepEqual(block.input, { city: 'example' });
  });

  it('a max_tokens cut maps to length / max_tokens', async () => {
    const completion = await openai.chat.completions.create({
      model: 'claude',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'one two three four' }],
    });
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.choices[0]?.message.content, 'Echo: one ');
    assert.deepEqual(
      (bedrock.requests.at(-1)?.body as { inferenceConfig: unknown }).inferenceConfig,
      {
        maxTokens: 2,
      },
    );
  });
});

describe('Bedrock credentials and usage semantics', () => {
  it('inclusive inputTokens (usageInputTokens: inclusive) gives the same exact usage', async () => {
    const bedrock = await startEmulator({ kind: 'bedrock', bedrockInputTokens: 'inclusive' });
    const gateway = await startGateway(
      {
        providers: {
          aws: { type: 'bedrock', baseUrl: bedrock.url, usageInputTokens: 'inclusive' },
        },
        models: { claude: [{ provider: 'aws', model: MODEL }] },
      },
      AWS_ENV,
    );
    try {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sy', maxRetries: 0 });
      const user = 'An inclusive count of a prompt long enough to be cached on the repeat';
      const request = { model: 'claude', messages: [{ role: 'user' as const, content: user }] };
      await client.chat.completions.create(request);
      const second = await client.chat.completions.create(request);
      const prompt = promptTokens(user);
      assert.equal(second.usage?.prompt_tokens, prompt);
      assert.equal(second.usage?.prompt_tokens_details?.cached_tokens, cachedAfterRepeat(prompt));
    } finally {
      await gateway.close();
      await bedrock.close();
    }
  });

  it('temporary credentials: the session token is sent and signed; a stale one is refused', async () => {
    const credentials = {
      accessKeyId: 'ASIAEXAMPLETEMPORARY',
      secretAccessKey: 'temporary-secret',
      sessionToken: 'session-token-1',
    };
    const bedrock = await startEmulator({ kind: 'bedrock', awsCredentials: credentials });
    const config = {
      providers: { aws: { type: 'bedrock', baseUrl: bedrock.url } },
      models: { claude: [{ provider: 'aws', model: MODEL }] },
    };
    const env = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    };
    const good = await startGateway(config, { ...env, AWS_SESSION_TOKEN: 'session-token-1' });
    const stale = await startGateway(config, { ...env, AWS_SESSION_TOKEN: 'session-token-0' });
    try {
      const ok = new OpenAI({ baseURL: `${good.url}/v1`, apiKey: 'sy', maxRetries: 0 });
      const completion = await ok.chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'temporary' }],
      });
      assert.equal(completion.choices[0]?.message.content, 'Echo: temporary');
      assert.equal(bedrock.requests.at(-1)?.headers['x-amz-security-token'], 'session-token-1');
      const refused = new OpenAI({ baseURL: `${stale.url}/v1`, apiKey: 'sy', maxRetries: 0 });
      await assert.rejects(
        refused.chat.completions.create({
          model: 'claude',
          messages: [{ role: 'user', content: 'temporary' }],
        }),
        (error: unknown) => error instanceof OpenAI.PermissionDeniedError,
      );
    } finally {
      await good.close();
      await stale.close();
      await bedrock.close();
    }
  });

  it('a Bedrock API key is sent as a bearer token instead of a signature', async () => {
    const bedrock = await startEmulator({ kind: 'bedrock', apiKey: 'ABSKbedrock-api-key' });
    const gateway = await startGateway(
      {
        providers: { aws: { type: 'bedrock', baseUrl: bedrock.url, region: 'us-west-2' } },
        models: { claude: [{ provider: 'aws', model: MODEL }] },
      },
      { AWS_BEARER_TOKEN_BEDROCK: 'ABSKbedrock-api-key' },
    );
    try {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sy', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'bearer' }],
      });
      assert.equal(completion.choices[0]?.message.content, 'Echo: bearer');
      assert.equal(bedrock.requests.at(-1)?.headers.authorization, 'Bearer ABSKbedrock-api-key');
    } finally {
      await gateway.close();
      await bedrock.close();
    }
  });
});
