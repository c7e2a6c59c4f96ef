// POST /v1/messages and /v1/messages/count_tokens for the anthropic kind.
import { buildAnthropicMessage, buildAnthropicStream } from './build-anthropic-message.js';
import type { AnthropicMessageParts } from './build-anthropic-message.js';
import { buildReply } from './build-reply.js';
import { countPromptTokens } from './count-prompt-tokens.js';
import type { EmulatorContext } from './emulator-context.js';
import type { Exchange } from './exchange.js';
import { measurePrompt, recordGeneration } from './prompt-usage.js';
import { readAnthropicConversation } from './read-anthropic-conversation.js';
import { sendJson, sendJsonReply } from './send-json.js';
import { validateAnthropicMessages } from './validate-anthropic-messages.js';
import { writeSseStream } from './write-sse-stream.js';

/** Answers the 400 for a missing anthropic-version header; true when it did. */
export function rejectMissingVersion(exchange: Exchange, context: EmulatorContext): boolean {
  if (exchange.request.headers['anthropic-version']) return false;
  const spec = { status: 400, message: 'anthropic-version: header is required' };
  sendJson(exchange, 400, context.renderError(spec, exchange.requestId));
  return true;
}

export async function handleAnthropicMessages(
  exchange: Exchange,
  context: EmulatorContext,
): Promise<void> {
  if (rejectMissingVersion(exchange, context)) return;
  const invalid = validateAnthropicMessages(exchange, context, false);
  if (invalid) {
    sendJson(exchange, invalid.status, context.renderError(invalid, exchange.requestId));
    return;
  }
  const body = exchange.body;
  const conversation = readAnthropicConversation(body);
  const reply = buildReply(conversation, exchange.fault?.reply);
  const prompt = measurePrompt(context, conversation);
  // input_tokens excludes both cache fields; writes happen only for requests with cache_control.
  const cacheRead = prompt.cachedTokens;
  const cacheCreation = conversation.hasCacheControl ? prompt.promptTokens - cacheRead : 0;
  const stopReason =
    reply.type === 'tool' ? 'tool_use' : reply.truncated ? 'max_tokens' : 'end_turn';
  recordGeneration(
    context,
    reply.completionTokens,
    stopReason === 'max_tokens' ? 'length' : 'stop',
  );
  const parts: AnthropicMessageParts = {
    id: context.nextId('msg_'),
    model: body.model,
    reply,
    toolUseId: context.nextId('toolu_'),
    usage: {
      input_tokens: prompt.promptTokens - cacheRead - cacheCreation,
      cache_creation_input_tokens: cacheCreation,
      cache_read_input_tokens: cacheRead,
    },
    stopReason,
  };
  if (body.stream !== true) {
    await sendJsonReply(exchange, buildAnthropicMessage(parts));
    return;
  }
  await writeSseStream(exchange, buildAnthropicStream(parts, exchange.fault?.errorType));
}

/** https://docs.anthropic.com/en/api/messages-count-tokens : {"input_tokens": N}; no cache effect. */
export async function handleAnthropicCountTokens(
  exchange: Exchange,
  context: EmulatorContext,
): Promise<void> {
  if (rejectMissingVersion(exchange, context)) return;
  const invalid = validateAnthropicMessages(exchange, context, true);
  if (invalid) {
    sendJson(exchange, invalid.status, context.renderError(invalid, exchange.requestId));
    return;
  }
  const prompt = countPromptTokens(readAnthropicConversation(exchange.body));
  await sendJsonReply(exchange, JSON.stringify({ input_tokens: prompt.count }));
}
