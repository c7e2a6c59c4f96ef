import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Sha256 } from '@aws-crypto/sha256-js';
import { describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { ChatRequest, StreamPart } from '../../core/index.js';
import { EventStreamDecoder } from '../../lib/event-stream-decoder.js';
import type { BedrockConverseResponse } from './bedrock-api.js';
import { createBedrockHttpError } from './bedrock-error.js';
import { convertBedrockResponse } from './convert-bedrock-response.js';
import { BedrockStreamConverter } from './convert-bedrock-stream.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { convertToBedrockRequest } from './convert-to-bedrock-request.js';
import { createBedrockRequestSigner } from './sign-bedrock-request.js';
import { NodeSha256 } from './node-sha256.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const origin = { provider: 'bedrock', deployment: 'bedrock/m' };

function eventFrame(event: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: event },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function exceptionFrame(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

function convertBytes(chunks: Uint8Array[], mode: 'exclusive' | 'inclusive' = 'exclusive') {
  const decoder = new EventStreamDecoder();
  const converter = new BedrockStreamConverter({
    ...origin,
    model: 'm',
    id: 'bedrock-1',
    inputTokens: mode,
  });
  const parts: StreamPart[] = [];
  for (const chunk of chunks) {
    for (const message of decoder.push(chunk)) converter.push(message, parts);
  }
  decoder.end();
  converter.end(parts);
  return parts;
}

const toolEvents = fixture('converse-stream-tool.events.json') as Array<{
  event: string;
  payload: unknown;
}>;
const toolBytes = Buffer.concat(toolEvents.map((entry) => eventFrame(entry.event, entry.payload)));

describe('bedrock SigV4 signing', () => {
  for (const [label, sha256] of [
    ['node:crypto', NodeSha256],
    ['@aws-crypto/sha256-js', Sha256],
  ] as const)
    it(`reproduces the known-answer vector (${label})`, async () => {
      const vector = fixture('sigv4.json') as {
        signingDate: string;
        region: string;
        service: string;
        credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
        request: { method: string; host: string; path: string; body: string; contentType: string };
        expected: { date: string; payloadHash: string; authorization: string };
      };
      const sign = createBedrockRequestSigner(
        {
          type: 'sigv4',
          region: vector.region,
          service: vector.service,
          credentials: vector.credentials,
        },
        () => new Date(vector.signingDate),
        sha256,
      );
      const headers = await sign({
        method: vector.request.method,
        host: vector.request.host,
        path: vector.request.path,
        headers: { 'content-type': vector.request.contentType },
        body: vector.request.body,
      });
      assert.equal(headers.authorization, vector.expected.authorization);
      assert.equal(headers['x-amz-date'], vector.expected.date);
      assert.equal(headers['x-amz-content-sha256'], vector.expected.payloadHash);
      assert.equal(headers['x-amz-security-token'], vector.credentials.sessionToken);
    });

  it('sends a Bedrock API key as a bearer token instead', async () => {
    const sign = createBedrockRequestSigner({ type: 'bearer', apiKey: 'ABSK-key' });
    const headers = await sign({ method: 'POST', host: 'h', path: '/', headers: {}, body: '' });
    assert.equal(headers.authorization, 'Bearer ABSK-key');
  });
});

describe('bedrock usage', () => {
  const usage = {
    inputTokens: 12,
    outputTokens: 40,
    cacheReadInputTokens: 2000,
    cacheWriteInputTokens: 48,
  };
  it('exclusive (default): inputTokens is the uncached remainder', () => {
    assert.deepEqual(convertBedrockUsage(usage).input, {
      total: 2060,
      noCache: 12,
      cacheRead: 2000,
      cacheWrite: 48,
    });
  });
  it('inclusive: inputTokens already counts the cache fields', () => {
    assert.deepEqual(convertBedrockUsage({ ...usage, inputTokens: 2060 }, 'inclusive').input, {
      total: 2060,
      noCache: 12,
      cacheRead: 2000,
      cacheWrite: 48,
    });
  });
});

describe('bedrock response conversion', () => {
  it('reads text, toolUse, stop reason and cache usage', () => {
    const response = convertBedrockResponse(
      fixture('converse-response-cache.json') as BedrockConverseResponse,
      { id: 'bedrock-1', model: 'm', inputTokens: 'exclusive' },
    );
    assert.deepEqual(response.content, [
      { type: 'text', text: 'Let me check the weather.' },
      {
        type: 'tool-call',
        id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
    ]);
    assert.deepEqual(response.finishReason, { unified: 'tool-calls', raw: 'tool_use' });
    assert.equal(response.usage.input.total, 2060);
    assert.equal(response.usage.input.cacheRead, 2000);
    assert.equal(response.usage.output.total, 40);
  });
});

describe('bedrock stream conversion', () => {
  const expectedParts: StreamPart[] = [
    { type: 'text-delta', delta: 'Let me ' },
    { type: 'text-delta', delta: 'check.' },
    { type: 'tool-call-start', index: 0, id: 'tooluse_abc', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
  ];

  it('turns the event sequence into parts and a final finish with usage', () => {
    const parts = convertBytes([toolBytes]);
    assert.equal(parts[0]?.type, 'stream-start');
    assert.deepEqual(parts.slice(1, -1), expectedParts);
    const finish = parts.at(-1);
    assert.ok(finish?.type === 'finish');
    assert.deepEqual(finish.finishReason, { unified: 'tool-calls', raw: 'tool_use' });
    assert.deepEqual(finish.usage.input, {
      total: 2060,
      noCache: 12,
      cacheRead: 2000,
      cacheWrite: 48,
    });
  });

  it('gives the same parts however the bytes are split', () => {
    const whole = JSON.stringify(convertBytes([toolBytes]).slice(1));
    for (let cut = 1; cut < toolBytes.length; cut += 3) {
      const parts = convertBytes([toolBytes.subarray(0, cut), toolBytes.subarray(cut)]);
      assert.equal(JSON.stringify(parts.slice(1)), whole, `cut at ${cut}`);
    }
  });

  it('turns an exception frame mid-stream into an error part and stops', () => {
    const bytes = Buffer.concat([
      eventFrame('messageStart', { role: 'assistant' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } }),
      exceptionFrame('throttlingException', 'Too many tokens, please wait before trying again.'),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'never' } }),
    ]);
    const parts = convertBytes([bytes]);
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'text-delta', 'error'],
    );
    const error = parts[2];
    assert.ok(error?.type === 'error');
    assert.equal((error.error as { kind?: string }).kind, 'rate_limited');
    assert.match(error.error.message, /ThrottlingException: Too many tokens/);
  });

  it('maps in-stream serviceUnavailable to overloaded and validation to a client error', () => {
    const overloaded = convertBytes([exceptionFrame('serviceUnavailableException', 'busy')]);
    assert.equal(
      (overloaded[0] as unknown as { error: { kind: string } }).error.kind,
      'overloaded',
    );
    const invalid = convertBytes([exceptionFrame('validationException', 'bad')]);
    assert.equal((invalid[0] as unknown as { error: { kind: string } }).error.kind, 'client');
  });

  it('turns an unmodeled error frame (:message-type error) into a server error', () => {
    const frame = codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'error' },
        ':error-code': { type: 'string', value: 'InternalFailure' },
        ':error-message': { type: 'string', value: 'stream broke' },
      },
      body: new Uint8Array(0),
    });
    const parts = convertBytes([frame]);
    const error = parts[0];
    assert.ok(error?.type === 'error');
    assert.equal((error.error as { kind?: string }).kind, 'server');
    assert.match(error.error.message, /InternalFailure: stream broke/);
  });

  it('an exception right after messageStart leaves nothing sent (so the attempt can fall back)', () => {
    const parts = convertBytes([
      eventFrame('messageStart', { role: 'assistant' }),
      exceptionFrame('serviceUnavailableException', 'busy'),
    ]);
    assert.deepEqual(
      parts.map((part) => part.type),
      ['error'],
    );
  });

  it('reports a stream without messageStop as truncated', () => {
    const bytes = Buffer.concat([
      eventFrame('messageStart', { role: 'assistant' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } }),
    ]);
    const last = convertBytes([bytes]).at(-1);
    assert.ok(last?.type === 'error');
    assert.equal((last.error as { kind?: string }).kind, 'truncated_stream');
  });
});

describe('bedrock HTTP errors', () => {
  const cases: Array<[number, string, string, number | undefined]> = [
    [
      429,
      'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
      'rate_limited',
      undefined,
    ],
    [503, 'ServiceUnavailableException', 'overloaded', undefined],
    [429, 'ModelNotReadyException', 'overloaded', undefined],
    [400, 'ValidationException', 'client', 400],
    [403, 'AccessDeniedException', 'client', 403],
    [403, 'InvalidSignatureException', 'client', 403],
    [500, 'InternalServerException', 'server', undefined],
  ];
  for (const [status, errorType, kind, passedStatus] of cases) {
    it(`${status} ${errorType.split(':')[0]} → ${kind}`, () => {
      const error = createBedrockHttpError(
        status,
        { 'x-amzn-errortype': errorType },
        '{"message":"something"}',
        origin,
      );
      assert.equal(error.kind, kind);
      assert.equal(error.retryable, kind !== 'client');
      if (passedStatus !== undefined) assert.equal(error.status, passedStatus);
    });
  }

  it('reads the exception from __type when the header is missing', () => {
    const error = createBedrockHttpError(
      400,
      {},
      '{"__type":"com.amazon.bedrock#ValidationException","Message":"bad"}',
      origin,
    );
    assert.equal(error.kind, 'client');
    assert.match(error.message, /ValidationException: bad/);
  });
});

describe('bedrock request conversion', () => {
  it('maps system, tools, tool results, images and inference settings', () => {
    const request: ChatRequest = {
      model: 'alias',
      stream: false,
      includeUsage: false,
      extra: {},
      maxOutputTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stop: ['\n\n'],
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: 'Be terse.', cacheControl: { type: 'ephemeral' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather?' },
            { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', id: 't1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', content: 'sunny' }] },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      ],
      tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }],
      toolChoice: { type: 'required' },
    };
    assert.deepEqual(convertToBedrockRequest(request), {
      system: [{ text: 'Be terse.' }, { cachePoint: { type: 'default' } }],
      messages: [
        {
          role: 'user',
          content: [{ text: 'Weather?' }, { image: { format: 'png', source: { bytes: 'iVBOR' } } }],
        },
        {
          role: 'assistant',
          content: [
            { toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Paris' } } },
          ],
        },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 't1', content: [{ text: 'sunny' }] } },
            { text: 'Thanks' },
          ],
        },
      ],
      inferenceConfig: { maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['\n\n'] },
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'get_weather',
              description: 'Weather',
              inputSchema: { json: { type: 'object' } },
            },
          },
        ],
        toolChoice: { any: {} },
      },
    });
  });

  it('refuses an image link with a 400 naming the part', () => {
    assert.throws(
      () =>
        convertToBedrockRequest({
          model: 'a',
          stream: false,
          includeUsage: false,
          extra: {},
          messages: [
            {
              role: 'user',
              content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }],
            },
          ],
        }),
      (error: unknown) =>
        (error as { status?: number; param?: string }).status === 400 &&
        (error as { param?: string }).param === 'messages[0].content[0]',
    );
  });
});
