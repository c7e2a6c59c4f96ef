// The bedrock kind: POST /model/{modelId}/converse and /converse-stream, each request's SigV4
// signature (or Bedrock API key) verified first, faults applied in Bedrock's error shapes.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
import { applyFaultBeforeHeaders } from './apply-fault-before-headers.js';
import { bedrockErrorHeaders, bedrockException, renderBedrockError } from './bedrock-errors.js';
import { buildBedrockResponse, buildBedrockStream } from './build-bedrock-converse.js';
import { buildReply } from './build-reply.js';
import type { EmulatorContext } from './emulator-context.js';
import type { Exchange } from './exchange.js';
import { measurePrompt, recordGeneration } from './prompt-usage.js';
import { readBedrockConversation } from './read-bedrock-conversation.js';
import type { ErrorSpec } from './render-error.js';
import { sendJson, sendJsonReply } from './send-json.js';
import type { EmulatorOptions } from './types.js';
import { validateBedrockConverse } from './validate-bedrock-converse.js';
import { verifySigV4, type AwsCredentials } from './verify-sigv4.js';
import { EVENT_STREAM_HEADERS, writeEventStream } from './write-event-stream.js';

/** The AWS documentation's example credentials: the default the emulator accepts. */
export const EXAMPLE_AWS_CREDENTIALS: AwsCredentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

export type BedrockHandler = (
  exchange: Exchange,
  context: EmulatorContext,
  rawBody: Buffer,
) => Promise<void>;

export function createBedrockHandler(options: EmulatorOptions): BedrockHandler {
  const settings = {
    credentials: options.awsCredentials ?? EXAMPLE_AWS_CREDENTIALS,
    region: options.awsRegion ?? 'us-east-1',
    apiKey: options.apiKey,
    service: 'bedrock',
    now: () => Date.now(),
  };
  const inputTokensMode = options.bedrockInputTokens ?? 'exclusive';

  function sendError(exchange: Exchange, spec: ErrorSpec, extra?: Record<string, string>): void {
    sendJson(exchange, spec.status, renderBedrockError(spec), {
      ...bedrockErrorHeaders(spec),
      ...extra,
    });
  }

  return async function handleBedrock(exchange, context, rawBody) {
    const { request } = exchange;
    const failure = await verifySigV4(
      { method: exchange.method, url: request.url ?? '/', headers: request.headers, body: rawBody },
      settings,
    );
    if (failure) {
      sendError(exchange, { status: failure.status, type: failure.type, message: failure.message });
      return;
    }
    const route = ROUTE.exec(exchange.path);
    exchange.fault = context.faults.take(exchange.path);
    const streaming = route?.[2] === 'converse-stream';
    if (
      await applyFaultBeforeHeaders(
        exchange,
        renderBedrockError,
        streaming ? EVENT_STREAM_HEADERS['content-type'] : 'application/json',
        bedrockErrorHeaders,
      )
    ) {
      return;
    }
    if (!route || exchange.method !== 'POST') {
      // API Gateway-style answer for an unknown route.
      sendJson(exchange, 404, JSON.stringify({ message: 'Not Found' }), {
        'x-amzn-errortype': 'UnknownOperationException',
      });
      return;
    }
    const modelId = decodeURIComponent(route[1] ?? '');
    if (!context.isKnownModel(modelId)) {
      sendError(exchange, {
        status: 400,
        type: 'ValidationException',
        message: 'The provided model identifier is invalid.',
      });
      return;
    }
    const invalid = validateBedrockConverse(exchange.body, exchange.bodyError);
    if (invalid) {
      sendError(exchange, { ...invalid, type: 'ValidationException' });
      return;
    }
    const conversation = readBedrockConversation(exchange.body, modelId);
    const reply = buildReply(conversation, exchange.fault?.reply);
    const prompt = measurePrompt(context, conversation);
    // Cache reads from the imitated prefix cache; writes only for requests with a cachePoint.
    const cacheRead = prompt.cachedTokens;
    const cacheWrite = conversation.hasCacheControl ? prompt.promptTokens - cacheRead : 0;
    const uncached = prompt.promptTokens - cacheRead - cacheWrite;
    const stopReason =
      reply.type === 'tool' ? 'tool_use' : reply.truncated ? 'max_tokens' : 'end_turn';
    recordGeneration(
      context,
      reply.completionTokens,
      stopReason === 'max_tokens' ? 'length' : 'stop',
    );
    const parts = {
      reply,
      toolUseId: context.nextId('tooluse_'),
      usage: {
        inputTokens: inputTokensMode === 'exclusive' ? uncached : prompt.promptTokens,
        cacheReadInputTokens: cacheRead,
        cacheWriteInputTokens: cacheWrite,
      },
      stopReason,
      latencyMs: 20 + reply.completionTokens,
    } as const;
    // totalTokens counts each input token once: the cache fields on top of an exclusive inputTokens.
    const totalExtra = inputTokensMode === 'exclusive' ? cacheRead + cacheWrite : 0;
    if (!streaming) {
      await sendJsonReply(exchange, buildBedrockResponse(parts, totalExtra));
      return;
    }
    const exception = bedrockException({
      status: 503,
      ...(exchange.fault?.errorType !== undefined ? { type: exchange.fault.errorType } : {}),
    });
    await writeEventStream(exchange, buildBedrockStream(parts, totalExtra, exception));
  };
}
