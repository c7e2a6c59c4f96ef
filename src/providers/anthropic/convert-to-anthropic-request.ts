// Internal ChatRequest → Anthropic Messages body; on the fast path, the client's own body with
// only `model` patched (and the sampling rules of anthropic-parameter-rules.ts applied).
// Reference: https://docs.anthropic.com/en/api/messages
//
// Translation rules (docs/anthropic.md has the full table):
// - every system message → the top-level `system` (joined; block form when a part has
//   cache_control): safe on every model, unlike mid-conversation `role: "system"` messages.
// - consecutive messages of the same role are merged (tool results and a following user turn
//   become one user message, as Anthropic requires tool_result blocks right after the tool_use).
// - tool-call arguments are parsed into `input` (invalid JSON → 400 naming the message).
// - `max_tokens` is required by Anthropic: the client's, else the provider's `defaultMaxTokens`.
// - OpenAI-only parameters with no Anthropic equivalent (seed, frequency/presence penalties,
//   n=1, logprobs off) are dropped; ones that change the answer's shape (n>1, logprobs,
//   response_format json_object) are refused with a 400.

import {
  GatewayError,
  type ChatMessage,
  type ChatRequest,
  type Deployment,
  type ImagePart,
  type TextPart,
} from '../../core/index.js';
import { applyAnthropicParameterRules } from './anthropic-parameter-rules.js';

export interface AnthropicRequestSettings {
  apiVersion: string;
  defaultMaxTokens: number;
  unsupportedParameters: 'drop' | 'refuse';
}

type Block = Record<string, unknown>;
interface WireMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

export function convertToAnthropicRequest(options: {
  request: ChatRequest;
  deployment: Deployment;
  settings: AnthropicRequestSettings;
  passthroughBody?: Record<string, unknown>;
}): Record<string, unknown> {
  const { request, deployment, settings, passthroughBody } = options;
  if (passthroughBody) {
    const body: Record<string, unknown> = { ...passthroughBody, model: deployment.model };
    applyAnthropicParameterRules({
      body,
      apiVersion: settings.apiVersion,
      model: deployment.model,
      policy: settings.unsupportedParameters,
    });
    return body;
  }
  refuseUntranslatable(request);
  const system: TextPart[] = [];
  const messages: WireMessage[] = [];
  request.messages.forEach((message, index) => {
    if (message.role === 'system') {
      system.push(...message.content.filter((part) => part.text !== ''));
      return;
    }
    const wire = convertMessage(message, index);
    if (wire.content.length === 0) return;
    const previous = messages.at(-1);
    if (previous && previous.role === wire.role) previous.content.push(...wire.content);
    else messages.push(wire);
  });
  const body: Record<string, unknown> = {
    model: deployment.model,
    max_tokens: request.maxOutputTokens ?? settings.defaultMaxTokens,
    messages,
  };
  if (system.length > 0) {
    body.system = system.some((part) => part.cacheControl)
      ? system.map(textBlock)
      : system.map((part) => part.text).join('\n\n');
  }
  if (request.stream) body.stream = true;
  if (request.temperature !== undefined) {
    if (request.temperature > 1) {
      throw new GatewayError(
        'invalid_request',
        `Invalid value for 'temperature': Anthropic models accept 0 to 1, got ${request.temperature}.`,
        { param: 'temperature' },
      );
    }
    body.temperature = request.temperature;
  }
  if (request.topP !== undefined) body.top_p = request.topP;
  // OpenAI clients of vLLM-style servers send top_k as an extra field.
  const topK = request.topK ?? request.extra.top_k;
  if (typeof topK === 'number') body.top_k = topK;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      input_schema: tool.parameters,
      ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
    }));
  }
  const toolChoice = convertToolChoice(request);
  if (toolChoice) body.tool_choice = toolChoice;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  const format = request.responseFormat;
  if (format?.type === 'json_schema') {
    const schema = (format.json_schema as Record<string, unknown> | undefined)?.schema;
    if (schema && typeof schema === 'object') {
      body.output_config = { format: { type: 'json_schema', schema } };
    }
  }
  applyAnthropicParameterRules({
    body,
    apiVersion: settings.apiVersion,
    model: deployment.model,
    policy: settings.unsupportedParameters,
  });
  return body;
}

function refuseUntranslatable(request: ChatRequest): void {
  const refuse = (param: string, message: string) => {
    throw new GatewayError('invalid_request', message, { param });
  };
  const n = request.extra.n;
  if (typeof n === 'number' && n > 1) {
    refuse('n', "Invalid value for 'n': Anthropic models return one choice; n must be 1.");
  }
  if (request.extra.logprobs === true) {
    refuse('logprobs', "'logprobs' is not available from Anthropic models.");
  }
  if (request.responseFormat?.type === 'json_object') {
    refuse(
      'response_format',
      "response_format 'json_object' has no Anthropic equivalent; use 'json_schema' with a schema.",
    );
  }
}

function textBlock(part: TextPart): Block {
  return part.cacheControl
    ? { type: 'text', text: part.text, cache_control: part.cacheControl }
    : { type: 'text', text: part.text };
}

function imageBlock(part: ImagePart): Block {
  return part.source.type === 'url'
    ? { type: 'image', source: { type: 'url', url: part.source.url } }
    : {
        type: 'image',
        source: { type: 'base64', media_type: part.source.mediaType, data: part.source.data },
      };
}

function convertMessage(
  message: Exclude<ChatMessage, { role: 'system' }>,
  index: number,
): WireMessage {
  switch (message.role) {
    case 'user':
      return {
        role: 'user',
        content: message.content.flatMap((part, partIndex): Block[] => {
          switch (part.type) {
            case 'text':
              // Anthropic rejects empty text blocks.
              return part.text === '' ? [] : [textBlock(part)];
            case 'image':
              return [imageBlock(part)];
            case 'opaque':
              if (part.format === 'anthropic-messages') return [part.value];
              throw new GatewayError(
                'invalid_request',
                `messages[${index}].content[${partIndex}]: a ${String(part.value.type)} part cannot be sent to an Anthropic model`,
                { param: `messages[${index}].content[${partIndex}]` },
              );
          }
        }),
      };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content.flatMap((part): Block[] => {
          switch (part.type) {
            case 'text':
              return part.text === '' ? [] : [textBlock(part)];
            case 'reasoning':
              // Only signed thinking can be replayed to Anthropic; unsigned reasoning (from an
              // OpenAI-style model) is dropped.
              return part.signature
                ? [{ type: 'thinking', thinking: part.text, signature: part.signature }]
                : [];
            case 'tool-call':
              return [
                {
                  type: 'tool_use',
                  id: part.id,
                  name: part.name,
                  input: parseArguments(part.arguments, index),
                },
              ];
          }
        }),
      };
    case 'tool':
      return {
        role: 'user',
        content: message.content.map((part) => ({
          type: 'tool_result',
          tool_use_id: part.toolCallId,
          content:
            typeof part.content === 'string'
              ? part.content
              : part.content.map((item) =>
                  item.type === 'text' ? textBlock(item) : imageBlock(item),
                ),
          ...(part.isError ? { is_error: true } : {}),
        })),
      };
  }
}

function parseArguments(text: string, index: number): unknown {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  throw new GatewayError(
    'invalid_request',
    `messages[${index}].tool_calls: function.arguments must be a JSON object to send to an Anthropic model.`,
    { param: `messages[${index}].tool_calls` },
  );
}

function convertToolChoice(request: ChatRequest): Record<string, unknown> | undefined {
  const choice = request.toolChoice;
  const noParallel = request.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (request.tools === undefined || request.tools.length === 0) return undefined;
  switch (choice?.type) {
    case undefined:
      return request.parallelToolCalls === false ? { type: 'auto', ...noParallel } : undefined;
    case 'auto':
      return { type: 'auto', ...noParallel };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any', ...noParallel };
    case 'tool':
      return { type: 'tool', name: choice.name, ...noParallel };
  }
}
