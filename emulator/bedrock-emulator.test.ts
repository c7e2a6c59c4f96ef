import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { EXAMPLE_AWS_CREDENTIALS } from './handle-bedrock.js';
import { startEmulator } from './start-emulator.js';
import type { Emulator } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, probed field by field
type Json = any;

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const codec = new EventStreamCodec(toUtf8, fromUtf8);

async function call(
  emulator: Emulator,
  operation: 'converse' | 'converse-stream',
  body: unknown,
  secretAccessKey = EXAMPLE_AWS_CREDENTIALS.secretAccessKey,
): Promise<Response> {
  const url = new URL(`${emulator.url}/model/${encodeURIComponent(MODEL)}/${operation}`);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({
    credentials: { accessKeyId: EXAMPLE_AWS_CREDENTIALS.accessKeyId, secretAccessKey },
    region: 'us-east-1',
    service: 'bedrock',
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body: text,
  });
  const headers = { ...signed.headers };
  delete headers.host;
  return fetch(url, { method: 'POST', headers, body: text });
}

function decodeFrames(bytes: Uint8Array): Array<{ type: string; kind: string; payload: Json }> {
  const frames = [];
  let offset = 0;
  const view = Buffer.from(bytes);
  while (offset < view.length) {
    const length = view.readUInt32BE(offset);
    const message = codec.decode(view.subarray(offset, offset + length));
    offset += length;
    const kind = String(message.headers[':message-type']?.value);
    const type = String(
      message.headers[kind === 'event' ? ':event-type' : ':exception-type']?.value,
    );
    frames.push({ type, kind, payload: JSON.parse(new TextDecoder().decode(message.body)) });
  }
  return frames;
}

const request = {
  messages: [{ role: 'user', content: [{ text: 'Say hello to Bedrock' }] }],
  inferenceConfig: { maxTokens: 50 },
};

describe('bedrock emulator', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ kind: 'bedrock', prefixCaching: false });
  });
  after(() => emulator.close());

  it('answers a signed Converse request', async () => {
    const response = await call(emulator, 'converse', request);
    assert.equal(response.status, 200);
    assert.ok(response.headers.get('x-amzn-requestid'));
    const body = (await response.json()) as Json;
    assert.deepEqual(body.output.message.content, [{ text: 'Echo: Say hello to Bedrock' }]);
    assert.equal(body.stopReason, 'end_turn');
    assert.equal(body.usage.outputTokens, 5);
    assert.equal(body.usage.cacheReadInputTokens, 0);
    assert.equal(body.usage.totalTokens, body.usage.inputTokens + 5);
  });

  it('rejects a signature made with the wrong secret with 403 InvalidSignatureException', async () => {
    const response = await call(emulator, 'converse', request, 'not-the-secret');
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    const body = (await response.json()) as { message: string };
    assert.match(body.message, /^The request signature we calculated does not match/);
  });

  it('rejects an unsigned request', async () => {
    const response = await fetch(`${emulator.url}/model/m/converse`, {
      method: 'POST',
      body: JSON.stringify(request),
    });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  });

  it('streams the ConverseStream events as binary frames, usage last', async () => {
    const response = await call(emulator, 'converse-stream', request);
    assert.equal(response.headers.get('content-type'), 'application/vnd.amazon.eventstream');
    const frames = decodeFrames(new Uint8Array(await response.arrayBuffer()));
    assert.deepEqual(
      frames.map((frame) => frame.type),
      [
        'messageStart',
        ...Array<string>(5).fill('contentBlockDelta'),
        'contentBlockStop',
        'messageStop',
        'metadata',
      ],
    );
    assert.equal(
      frames.map((frame) => frame.payload.delta?.text ?? '').join(''),
      'Echo: Say hello to Bedrock',
    );
    assert.equal(frames.at(-2)?.payload.stopReason, 'end_turn');
    assert.equal(frames.at(-1)?.payload.usage.outputTokens, 5);
  });

  it('streams a tool call with contentBlockStart and partial JSON input', async () => {
    const response = await call(emulator, 'converse-stream', {
      ...request,
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'get_weather',
              inputSchema: {
                json: {
                  type: 'object',
                  properties: { city: { type: 'string' } },
                  required: ['city'],
                },
              },
            },
          },
        ],
      },
    });
    const frames = decodeFrames(new Uint8Array(await response.arrayBuffer()));
    const start = frames.find((frame) => frame.type === 'contentBlockStart');
    assert.equal(start?.payload.start.toolUse.name, 'get_weather');
    const input = frames.map((frame) => frame.payload.delta?.toolUse?.input ?? '').join('');
    assert.deepEqual(JSON.parse(input), { city: 'example' });
    assert.equal(frames.at(-2)?.payload.stopReason, 'tool_use');
  });

  it('maps status faults to Bedrock exceptions with x-amzn-errortype', async () => {
    emulator.setFaults({ status: 429, count: 1 });
    const response = await call(emulator, 'converse', request);
    assert.equal(response.status, 429);
    assert.match(response.headers.get('x-amzn-errortype') ?? '', /^ThrottlingException:/);
    assert.deepEqual(await response.json(), {
      message: 'Too many requests, please wait before trying again.',
    });
  });

  it('sends an exception frame for a mid-stream fault', async () => {
    emulator.setFaults({ midStreamError: true, errorType: 'throttlingException', count: 1 });
    const response = await call(emulator, 'converse-stream', request);
    const frames = decodeFrames(new Uint8Array(await response.arrayBuffer()));
    const last = frames.at(-1);
    assert.equal(last?.kind, 'exception');
    assert.equal(last?.type, 'throttlingException');
    assert.equal(frames.filter((frame) => frame.type === 'contentBlockDelta').length, 2);
  });

  it('refuses a conversation that does not alternate roles with ValidationException', async () => {
    const response = await call(emulator, 'converse', {
      messages: [
        { role: 'user', content: [{ text: 'a' }] },
        { role: 'user', content: [{ text: 'b' }] },
      ],
    });
    assert.equal(response.status, 400);
    assert.match(response.headers.get('x-amzn-errortype') ?? '', /^ValidationException/);
  });
});

describe('bedrock emulator usage with prompt caching', () => {
  for (const mode of ['exclusive', 'inclusive'] as const) {
    it(`reports cache read and write tokens (${mode} inputTokens)`, async () => {
      const emulator = await startEmulator({ kind: 'bedrock', bedrockInputTokens: mode });
      try {
        const long = 'A long and stable system prompt, repeated. '.repeat(12);
        const cached = {
          system: [{ text: long }, { cachePoint: { type: 'default' } }],
          messages: [{ role: 'user', content: [{ text: 'question' }] }],
        };
        const first = (await (await call(emulator, 'converse', cached)).json()) as Json;
        const second = (await (await call(emulator, 'converse', cached)).json()) as Json;
        assert.equal(first.usage.cacheReadInputTokens, 0);
        assert.ok(first.usage.cacheWriteInputTokens > 0);
        assert.ok(second.usage.cacheReadInputTokens > 0);
        const prompt = (usage: Json) =>
          mode === 'exclusive'
            ? usage.inputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens
            : usage.inputTokens;
        assert.equal(prompt(first.usage), prompt(second.usage));
        assert.equal(second.usage.totalTokens, prompt(second.usage) + second.usage.outputTokens);
      } finally {
        await emulator.close();
      }
    });
  }
});
