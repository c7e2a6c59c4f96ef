// The seed's fallback chain, Anthropic → Bedrock → OpenAI, each an emulator of its own kind: a 529
// from Anthropic and a ThrottlingException from Bedrock fall through to OpenAI (both SDKs, stream
// and not); a Bedrock exception frame before any content falls back too, one after content ends
// the client's stream with an error; a wrong AWS secret is a 403 client error that is not retried.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const AWS = {
  region: 'us-east-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

describe('fallback chain Anthropic → Bedrock → OpenAI', () => {
  let anthropicUpstream: Emulator;
  let bedrockUpstream: Emulator;
  let openaiUpstream: Emulator;
  let gateway: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    anthropicUpstream = await startEmulator({ kind: 'anthropic', name: 'anthropic' });
    bedrockUpstream = await startEmulator({ kind: 'bedrock', name: 'bedrock' });
    openaiUpstream = await startEmulator({ kind: 'openai', name: 'openai' });
    gateway = await startGateway({
      providers: {
        anthropic: { type: 'anthropic', baseUrl: anthropicUpstream.url, apiKey: 'sk-ant' },
        bedrock: { type: 'bedrock', baseUrl: bedrockUpstream.url, ...AWS },
        'bedrock-wrong-secret': {
          type: 'bedrock',
          baseUrl: bedrockUpstream.url,
          ...AWS,
          secretAccessKey: 'not-the-secret',
        },
        openai: { type: 'openai', baseUrl: `${openaiUpstream.url}/v1`, apiKey: 'sk-openai' },
      },
      models: {
        chain: [
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          { provider: 'bedrock', model: MODEL },
          { provider: 'openai', model: 'gpt-4o-mini' },
        ],
        'bedrock-first': [
          { provider: 'bedrock', model: MODEL },
          { provider: 'openai', model: 'gpt-4o-mini' },
        ],
        'bedrock-tight': [
          {
            provider: 'bedrock',
            model: MODEL,
            timeouts: { firstByteMs: 300, idleMs: 300, totalMs: 3000 },
          },
          { provider: 'openai', model: 'gpt-4o-mini' },
        ],
        'wrong-secret': [
          { provider: 'bedrock-wrong-secret', model: MODEL },
          { provider: 'openai', model: 'gpt-4o-mini' },
        ],
      },
      // Counts below are per attempt: no same-deployment retries, no breakers in the way.
      resilience: { retries: { maxRetries: 0 }, breaker: { enabled: false } },
    });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sy', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'sy', maxRetries: 0 });
  });

  afterEach(() => {
    for (const upstream of [anthropicUpstream, bedrockUpstream, openaiUpstream]) {
      upstream.clearFaults();
      upstream.requests.length = 0;
    }
  });

  after(async () => {
    await gateway.close();
    await Promise.all([anthropicUpstream.close(), bedrockUpstream.close(), openaiUpstream.close()]);
  });

  function failFirstTwo(): void {
    anthropicUpstream.setFaults({ status: 529 });
    bedrockUpstream.setFaults({ status: 429 });
  }

  it('OpenAI SDK, non-stream: 529 then ThrottlingException, served by OpenAI', async () => {
    failFirstTwo();
    const { data, response } = await openai.chat.completions
      .create({ model: 'chain', messages: [{ role: 'user', content: 'Who answers?' }] })
      .withResponse();
    assert.equal(data.choices[0]?.message.content, 'Echo: Who answers?');
    assert.equal(response.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(response.headers.get('x-switchyard-attempts'), '3');
    assert.equal(anthropicUpstream.requests.length, 1);
    assert.equal(bedrockUpstream.requests.length, 1);
    assert.equal(openaiUpstream.requests.length, 1);
  });

  it('OpenAI SDK, stream: the same chain before the first byte', async () => {
    failFirstTwo();
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: 'chain',
        messages: [{ role: 'user', content: 'Stream from whoever is up' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Echo: Stream from whoever is up');
    assert.equal(response.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(usage?.completion_tokens, 6);
    assert.equal(bedrockUpstream.requests.length, 1);
  });

  it('Anthropic SDK, stream and non-stream: the same chain', async () => {
    failFirstTwo();
    const { data: message, response } = await anthropic.messages
      .create({
        model: 'chain',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'Anthropic client here' }],
      })
      .withResponse();
    assert.deepEqual(
      message.content.map((block) => block.type === 'text' && block.text),
      ['Echo: Anthropic client here'],
    );
    assert.equal(response.headers.get('x-switchyard-provider'), 'openai');
    const stream = anthropic.messages.stream({
      model: 'chain',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Anthropic stream here' }],
    });
    const final = await stream.finalMessage();
    assert.deepEqual(
      final.content.map((block) => block.type === 'text' && block.text),
      ['Echo: Anthropic stream here'],
    );
    assert.equal(bedrockUpstream.requests.length, 2);
    assert.equal(openaiUpstream.requests.length, 2);
  });

  it('Bedrock answers when only Anthropic is down', async () => {
    anthropicUpstream.setFaults({ status: 529 });
    const { response } = await openai.chat.completions
      .create({ model: 'chain', messages: [{ role: 'user', content: 'Bedrock please' }] })
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-provider'), 'bedrock');
    assert.equal(openaiUpstream.requests.length, 0);
  });

  it('ServiceUnavailableException and ModelNotReadyException fall back as overload', async () => {
    for (const fault of [{ status: 503 }, { status: 429, errorType: 'ModelNotReadyException' }]) {
      bedrockUpstream.setFaults(fault);
      const { response } = await openai.chat.completions
        .create({ model: 'bedrock-first', messages: [{ role: 'user', content: 'x' }] })
        .withResponse();
      assert.equal(response.headers.get('x-switchyard-provider'), 'openai');
    }
  });

  it('a ValidationException is the client error it is: passed on, no fallback', async () => {
    bedrockUpstream.setFaults({ status: 400 });
    await assert.rejects(
      openai.chat.completions.create({
        model: 'bedrock-first',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError,
    );
    assert.equal(openaiUpstream.requests.length, 0);
  });

  it('an exception frame before any content falls back; after content it ends the stream in error', async () => {
    bedrockUpstream.setFaults({
      midStreamError: true,
      errorType: 'throttlingException',
      afterChunks: 0,
      count: 1,
    });
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: 'bedrock-first',
        messages: [{ role: 'user', content: 'early fault' }],
        stream: true,
      })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Echo: early fault');
    assert.equal(response.headers.get('x-switchyard-provider'), 'openai');

    bedrockUpstream.setFaults({
      midStreamError: true,
      errorType: 'throttlingException',
      afterChunks: 2,
      count: 2,
    });
    const late = await openai.chat.completions.create({
      model: 'bedrock-first',
      messages: [{ role: 'user', content: 'late fault after two words' }],
      stream: true,
    });
    let seen = '';
    await assert.rejects(async () => {
      for await (const chunk of late) seen += chunk.choices[0]?.delta.content ?? '';
    }, /ThrottlingException/);
    assert.equal(seen, 'Echo: late ');

    const anthropicLate = anthropic.messages.stream({
      model: 'bedrock-first',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'late fault for anthropic' }],
    });
    await assert.rejects(anthropicLate.finalMessage(), /ThrottlingException|rate/i);
    assert.equal(openaiUpstream.requests.length, 1);
  });

  it('a corrupt frame before content falls back; a stream cut after content ends in error', async () => {
    bedrockUpstream.setFaults({ malformed: true, afterChunks: 0, count: 1 });
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: 'bedrock-first',
        messages: [{ role: 'user', content: 'corrupt' }],
        stream: true,
      })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Echo: corrupt');
    assert.equal(response.headers.get('x-switchyard-provider'), 'openai');

    bedrockUpstream.setFaults({ truncate: true, afterChunks: 2, count: 1 });
    const cut = await openai.chat.completions.create({
      model: 'bedrock-first',
      messages: [{ role: 'user', content: 'cut after two words please' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const chunk of cut) void chunk;
    }, /without messageStop|truncated/i);
  });

  it('honours the first-byte and idle timeouts of the attempt', async () => {
    for (const hang of ['before-headers', 'after-headers'] as const) {
      bedrockUpstream.setFaults({ hang, count: 1 });
      const { response } = await openai.chat.completions
        .create({
          model: 'bedrock-tight',
          messages: [{ role: 'user', content: 'hang' }],
          stream: true,
        })
        .withResponse();
      assert.equal(response.headers.get('x-switchyard-provider'), 'openai', hang);
    }
    bedrockUpstream.setFaults({ hang: 'mid-stream', afterChunks: 2, count: 1 });
    const stalled = await openai.chat.completions.create({
      model: 'bedrock-tight',
      messages: [{ role: 'user', content: 'stall in the middle please' }],
      stream: true,
    });
    const started = Date.now();
    await assert.rejects(async () => {
      for await (const chunk of stalled) void chunk;
    });
    // Generous bound: the idle timeout (300 ms) ended it, not the total (3 s).
    assert.ok(Date.now() - started < 2500);
  });

  it('a wrong AWS secret: 403 InvalidSignatureException, a client error, not retried', async () => {
    const { response } = await openai.chat.completions
      .create({ model: 'wrong-secret', messages: [{ role: 'user', content: 'x' }] })
      .withResponse()
      .catch((error: unknown) => {
        assert.ok(error instanceof OpenAI.PermissionDeniedError, String(error));
        assert.match(error.message, /InvalidSignatureException|signature we calculated/);
        return { response: undefined };
      });
    assert.equal(response, undefined);
    assert.equal(bedrockUpstream.requests.length, 1);
    assert.equal(openaiUpstream.requests.length, 0);
  });
});
