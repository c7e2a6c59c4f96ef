// POST /v1/chat/completions for the openai and vllm kinds: validate, derive the reply, answer.
import { buildChatCompletion, buildChatStream } from './build-openai-chat.js';
import type { OpenAIChatParts } from './build-openai-chat.js';
import { buildReply } from './build-reply.js';
import type { EmulatorContext } from './emulator-context.js';
import type { Exchange } from './exchange.js';
import { measurePrompt, recordGeneration } from './prompt-usage.js';
import type { PromptUsage } from './prompt-usage.js';
import { readOpenAIConversation } from './read-openai-conversation.js';
import { sendJson, sendJsonReply } from './send-json.js';
import { validateOpenAIChat } from './validate-openai-chat.js';
import { writeSseStream } from './write-sse-stream.js';

export async function handleChatCompletions(
  exchange: Exchange,
  context: EmulatorContext,
): Promise<void> {
  const invalid = validateOpenAIChat(exchange, context);
  if (invalid) {
    sendJson(exchange, invalid.status, context.renderError(invalid, exchange.requestId));
    return;
  }
  const body = exchange.body;
  const flavour = context.options.kind === 'vllm' ? 'vllm' : 'openai';
  const conversation = readOpenAIConversation(body);
  const reply = buildReply(conversation, exchange.fault?.reply);
  const prompt = measurePrompt(context, conversation);
  const finishReason = reply.type === 'tool' ? 'tool_calls' : reply.truncated ? 'length' : 'stop';
  recordGeneration(context, reply.completionTokens, finishReason === 'length' ? 'length' : 'stop');
  const parts: OpenAIChatParts = {
    flavour,
    id: context.nextId('chatcmpl-'),
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    reply,
    toolCallId: context.nextId(flavour === 'vllm' ? 'chatcmpl-tool-' : 'call_'),
    usage:
      flavour === 'vllm'
        ? vllmUsage(prompt, reply.completionTokens, context.options.promptTokensDetails)
        : openaiUsage(prompt, reply.completionTokens),
    finishReason,
  };
  if (body.stream !== true) {
    await sendJsonReply(exchange, buildChatCompletion(parts));
    return;
  }
  const streamOptions = body.stream_options ?? {};
  const stream = buildChatStream(parts, {
    includeUsage: streamOptions.include_usage === true,
    obfuscation: streamOptions.include_obfuscation !== false,
    errorType: exchange.fault?.errorType,
  });
  await writeSseStream(exchange, stream);
}

/** OpenAI usage: prompt_tokens includes cached_tokens. */
function openaiUsage(prompt: PromptUsage, completionTokens: number): Record<string, unknown> {
  return {
    prompt_tokens: prompt.promptTokens,
    completion_tokens: completionTokens,
    total_tokens: prompt.promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: prompt.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** vLLM UsageInfo: details only with --enable-prompt-tokens-details, else null. */
function vllmUsage(
  prompt: PromptUsage,
  completionTokens: number,
  details: boolean,
): Record<string, unknown> {
  return {
    prompt_tokens: prompt.promptTokens,
    total_tokens: prompt.promptTokens + completionTokens,
    completion_tokens: completionTokens,
    prompt_tokens_details: details ? { cached_tokens: prompt.cachedTokens } : null,
  };
}
