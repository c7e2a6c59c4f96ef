// Decodes and validates an Anthropic Messages body into the internal ChatRequest; invalid input
// gets a 400 that names the field, worded like the Anthropic API's own validation errors.
// Field reference: https://docs.anthropic.com/en/api/messages
//
// Accepted as the current API accepts them: `role: "system"` messages inside `messages`
// (mid-conversation system messages), consecutive turns of the same role (the API merges them),
// both API versions' bodies. Not modelled (kept only on the same-format fast path, where the
// client's body is forwarded): server tools, `thinking`, `output_config`, `container`,
// `service_tier`, `mcp_servers`, citations, redacted thinking.

import {
  GatewayError,
  type ChatMessage,
  type ChatRequest,
  type ImagePart,
  type OpaquePart,
  type ReasoningPart,
  type TextPart,
  type ToolCallPart,
  type ToolChoice,
  type ToolDefinition,
  type ToolResultPart,
} from '../../core/index.js';

type Json = Record<string, unknown>;

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', `${param}: ${message}`, { param });
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isObject(value: unknown): value is Json {
  return typeName(value) === 'object';
}

function requireObject(value: unknown, param: string): Json {
  if (!isObject(value)) throw invalid(param, 'Input should be a valid dictionary');
  return value;
}

function requireString(value: unknown, param: string): string {
  if (value === undefined) throw invalid(param, 'Field required');
  if (typeof value !== 'string') throw invalid(param, 'Input should be a valid string');
  return value;
}

interface NumberRange {
  min: number;
  max: number;
  integer?: boolean;
}

// The ranges of the numeric fields, made once (not per request).
const maxTokensRange: NumberRange = { min: 1, max: 10_000_000, integer: true };
const unitRange: NumberRange = { min: 0, max: 1 };
const topKRange: NumberRange = { min: 0, max: 1_000_000, integer: true };

function optionalNumber(body: Json, field: string, range: NumberRange): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(
      field,
      range.integer ? 'Input should be a valid integer' : 'Input should be a valid number',
    );
  }
  if (range.integer && !Number.isInteger(value))
    throw invalid(field, 'Input should be a valid integer');
  if (value < range.min)
    throw invalid(field, `Input should be greater than or equal to ${range.min}`);
  if (value > range.max) throw invalid(field, `Input should be less than or equal to ${range.max}`);
  return value;
}

function cacheControlOf(block: Json): TextPart['cacheControl'] | undefined {
  const control = block.cache_control;
  if (!isObject(control) || control.type !== 'ephemeral') return undefined;
  return typeof control.ttl === 'string'
    ? { type: 'ephemeral', ttl: control.ttl }
    : { type: 'ephemeral' };
}

/**
 * Where a content block is, as numbers; its parameter name (`messages.2.content.0.text`) is built
 * only when an error names it. `message` -1 is the top-level `system`; `inner` -1: not inside a
 * tool result's content.
 */
function blockParam(message: number, block: number, inner = -1): string {
  const content = message < 0 ? 'system' : `messages.${message}.content`;
  return inner < 0 ? `${content}.${block}` : `${content}.${block}.content.${inner}`;
}

function decodeTextBlock(block: Json, message: number, index: number, inner = -1): TextPart {
  const text =
    typeof block.text === 'string'
      ? block.text
      : requireString(block.text, `${blockParam(message, index, inner)}.text`);
  if (text === '') {
    throw invalid(
      `${blockParam(message, index, inner)}.text`,
      'text content blocks must be non-empty',
    );
  }
  const cacheControl = cacheControlOf(block);
  return cacheControl ? { type: 'text', text, cacheControl } : { type: 'text', text };
}

function decodeImageBlock(block: Json, message: number, index: number, inner = -1): ImagePart {
  const param = blockParam(message, index, inner);
  const source = requireObject(block.source, `${param}.source`);
  if (source.type === 'base64') {
    return {
      type: 'image',
      source: {
        type: 'base64',
        mediaType: requireString(source.media_type, `${param}.source.media_type`),
        data: requireString(source.data, `${param}.source.data`),
      },
    };
  }
  if (source.type === 'url') {
    return {
      type: 'image',
      source: { type: 'url', url: requireString(source.url, `${param}.source.url`) },
    };
  }
  throw invalid(`${param}.source.type`, "Input should be 'base64' or 'url'");
}

/** Text content: the top-level `system` (message -1) or a system message's content. */
function decodeTextBlocks(content: unknown, message: number): TextPart[] {
  if (typeof content === 'string') {
    if (content === '') {
      throw invalid(
        message < 0 ? 'system' : `messages.${message}.content`,
        'text content must be non-empty',
      );
    }
    return [{ type: 'text', text: content }];
  }
  if (!Array.isArray(content)) {
    throw invalid(
      message < 0 ? 'system' : `messages.${message}.content`,
      'Input should be a valid string or a list of text blocks',
    );
  }
  return content.map((item, index) => {
    if (!isObject(item)) requireObject(item, blockParam(message, index));
    const block = item as Json;
    if (block.type !== 'text') {
      throw invalid(`${blockParam(message, index)}.type`, "Input should be 'text'");
    }
    return decodeTextBlock(block, message, index);
  });
}

function decodeToolResult(block: Json, message: number, index: number): ToolResultPart {
  const toolUseId = block.tool_use_id;
  const part: ToolResultPart = {
    type: 'tool-result',
    toolCallId:
      typeof toolUseId === 'string'
        ? toolUseId
        : requireString(toolUseId, `${blockParam(message, index)}.tool_use_id`),
    content: '',
  };
  const content = block.content;
  if (typeof content === 'string') part.content = content;
  else if (Array.isArray(content)) {
    part.content = content.map((item, inner): TextPart | ImagePart => {
      if (!isObject(item)) requireObject(item, blockParam(message, index, inner));
      const innerBlock = item as Json;
      if (innerBlock.type === 'text') return decodeTextBlock(innerBlock, message, index, inner);
      if (innerBlock.type === 'image') return decodeImageBlock(innerBlock, message, index, inner);
      throw invalid(
        `${blockParam(message, index, inner)}.type`,
        "Input should be 'text' or 'image'",
      );
    });
  } else if (content !== undefined) {
    throw invalid(
      `${blockParam(message, index)}.content`,
      'Input should be a valid string or a list of content blocks',
    );
  }
  if (block.is_error === true) part.isError = true;
  return part;
}

/** A user turn may carry tool results and ordinary content; internally they are two messages. */
function decodeUserMessage(content: unknown, message: number): ChatMessage[] {
  if (typeof content === 'string')
    return [{ role: 'user', content: [{ type: 'text', text: content }] }];
  const results: ToolResultPart[] = [];
  const parts: Array<TextPart | ImagePart | OpaquePart> = [];
  const items = content as unknown[];
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (!isObject(item)) requireObject(item, blockParam(message, index));
    const block = item as Json;
    switch (block.type) {
      case 'text':
        parts.push(decodeTextBlock(block, message, index));
        break;
      case 'image':
        parts.push(decodeImageBlock(block, message, index));
        break;
      case 'tool_result':
        results.push(decodeToolResult(block, message, index));
        break;
      case 'tool_use':
      case 'thinking':
      case 'redacted_thinking':
        throw invalid(
          `${blockParam(message, index)}.type`,
          `a ${block.type} block is only allowed in an assistant message`,
        );
      default:
        requireString(block.type, `${blockParam(message, index)}.type`);
        // document, search_result, …: forwarded to Anthropic-family backends only.
        parts.push({ type: 'opaque', format: 'anthropic-messages', value: block });
    }
  }
  const messages: ChatMessage[] = [];
  if (results.length > 0) messages.push({ role: 'tool', content: results });
  if (parts.length > 0) messages.push({ role: 'user', content: parts });
  return messages;
}

function decodeAssistantMessage(content: unknown, message: number): ChatMessage {
  if (typeof content === 'string') {
    return { role: 'assistant', content: content === '' ? [] : [{ type: 'text', text: content }] };
  }
  const parts: Array<TextPart | ToolCallPart | ReasoningPart> = [];
  const items = content as unknown[];
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (!isObject(item)) requireObject(item, blockParam(message, index));
    const block = item as Json;
    switch (block.type) {
      case 'text':
        parts.push(decodeTextBlock(block, message, index));
        break;
      case 'tool_use': {
        const param = blockParam(message, index);
        const input = block.input ?? {};
        if (!isObject(input)) throw invalid(`${param}.input`, 'Input should be a valid dictionary');
        parts.push({
          type: 'tool-call',
          id: requireString(block.id, `${param}.id`),
          name: requireString(block.name, `${param}.name`),
          arguments: JSON.stringify(input),
        });
        break;
      }
      case 'thinking': {
        const reasoning: ReasoningPart = {
          type: 'reasoning',
          text: requireString(block.thinking, `${blockParam(message, index)}.thinking`),
        };
        if (typeof block.signature === 'string') reasoning.signature = block.signature;
        parts.push(reasoning);
        break;
      }
      case 'tool_result':
      case 'image':
        throw invalid(
          `${blockParam(message, index)}.type`,
          `a ${String(block.type)} block is only allowed in a user message`,
        );
      default:
        // redacted_thinking, server tool blocks: kept on the fast path only.
        requireString(block.type, `${blockParam(message, index)}.type`);
    }
  }
  return { role: 'assistant', content: parts };
}

// Parameter names (`messages.3.content`, …) are built only on the error path: a valid request
// allocates no strings for them.
function decodeMessages(value: unknown): ChatMessage[] {
  if (value === undefined) throw invalid('messages', 'Field required');
  if (!Array.isArray(value)) throw invalid('messages', 'Input should be a valid list');
  if (value.length === 0) throw invalid('messages', 'at least one message is required');
  const messages: ChatMessage[] = [];
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (!isObject(item)) requireObject(item, `messages.${index}`);
    const message = item as Json;
    const role = message.role;
    if (role === undefined) throw invalid(`messages.${index}.role`, 'Field required');
    if (role !== 'user' && role !== 'assistant' && role !== 'system') {
      throw invalid(`messages.${index}.role`, "Input should be 'user', 'assistant' or 'system'");
    }
    const content = message.content;
    if (content === undefined) throw invalid(`messages.${index}.content`, 'Field required');
    if (typeof content !== 'string' && !Array.isArray(content)) {
      throw invalid(
        `messages.${index}.content`,
        'Input should be a valid string or a list of content blocks',
      );
    }
    const finalAssistant = role === 'assistant' && index === value.length - 1;
    if ((content === '' || (Array.isArray(content) && content.length === 0)) && !finalAssistant) {
      throw invalid(
        `messages.${index}`,
        'all messages must have non-empty content except for the optional final assistant message',
      );
    }
    if (role === 'system')
      messages.push({ role: 'system', content: decodeTextBlocks(content, index) });
    else if (role === 'user') messages.push(...decodeUserMessage(content, index));
    else messages.push(decodeAssistantMessage(content, index));
  }
  return messages;
}

function decodeTools(value: unknown): ToolDefinition[] {
  if (!Array.isArray(value)) throw invalid('tools', 'Input should be a valid list');
  const tools: ToolDefinition[] = [];
  value.forEach((item, index) => {
    const param = `tools.${index}`;
    const tool = requireObject(item, param);
    // Server tools (web_search_…, code_execution_…) run at Anthropic: fast path only.
    if (tool.type !== undefined && tool.type !== 'custom') return;
    const definition: ToolDefinition = {
      name: requireString(tool.name, `${param}.name`),
      parameters: requireObject(tool.input_schema, `${param}.input_schema`),
    };
    if (typeof tool.description === 'string') definition.description = tool.description;
    if (typeof tool.strict === 'boolean') definition.strict = tool.strict;
    tools.push(definition);
  });
  return tools;
}

function decodeToolChoice(value: unknown, request: ChatRequest): ToolChoice {
  const choice = requireObject(value, 'tool_choice');
  if (choice.disable_parallel_tool_use === true) request.parallelToolCalls = false;
  switch (choice.type) {
    case 'auto':
      return { type: 'auto' };
    case 'any':
      return { type: 'required' };
    case 'none':
      return { type: 'none' };
    case 'tool':
      return { type: 'tool', name: requireString(choice.name, 'tool_choice.name') };
    default:
      throw invalid('tool_choice.type', "Input should be 'auto', 'any', 'tool' or 'none'");
  }
}

const noOptions: { forCountTokens?: boolean } = Object.freeze({});

export function decodeAnthropicMessagesRequest(
  body: unknown,
  options: { forCountTokens?: boolean } = noOptions,
): ChatRequest {
  if (!isObject(body)) throw invalid('body', 'The request body must be a JSON object.');
  const model = requireString(body.model, 'model');
  let maxTokens: number | undefined;
  if (!options.forCountTokens) {
    if (body.max_tokens === undefined) throw invalid('max_tokens', 'Field required');
    maxTokens = optionalNumber(body, 'max_tokens', maxTokensRange);
  }
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') throw invalid('stream', 'Input should be a valid boolean');
  const messages: ChatMessage[] = [];
  if (body.system !== undefined && body.system !== null) {
    const system =
      typeof body.system === 'string' && body.system === ''
        ? []
        : decodeTextBlocks(body.system, -1);
    if (system.length > 0) messages.push({ role: 'system', content: system });
  }
  messages.push(...decodeMessages(body.messages));
  const request: ChatRequest = {
    model,
    messages,
    stream: stream && !options.forCountTokens,
    includeUsage: false,
    extra: {},
  };
  if (maxTokens !== undefined) request.maxOutputTokens = maxTokens;
  const temperature = optionalNumber(body, 'temperature', unitRange);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', unitRange);
  if (topP !== undefined) request.topP = topP;
  const topK = optionalNumber(body, 'top_k', topKRange);
  if (topK !== undefined) request.topK = topK;
  if (body.stop_sequences !== undefined && body.stop_sequences !== null) {
    if (!Array.isArray(body.stop_sequences))
      throw invalid('stop_sequences', 'Input should be a valid list');
    request.stop = body.stop_sequences.map((stop, index) =>
      requireString(stop, `stop_sequences.${index}`),
    );
  }
  if (body.tools !== undefined && body.tools !== null) {
    const tools = decodeTools(body.tools);
    if (tools.length > 0) request.tools = tools;
  }
  if (body.tool_choice !== undefined && body.tool_choice !== null) {
    request.toolChoice = decodeToolChoice(body.tool_choice, request);
  }
  if (body.output_config !== undefined && body.output_config !== null) {
    // Structured output → OpenAI-style response_format (other output_config fields: fast path only).
    const format = requireObject(body.output_config, 'output_config').format;
    if (isObject(format) && format.type === 'json_schema') {
      request.responseFormat = {
        type: 'json_schema',
        json_schema: {
          name: 'output',
          schema: requireObject(format.schema, 'output_config.format.schema'),
        },
      };
    }
  }
  if (body.metadata !== undefined && body.metadata !== null) {
    const metadata = requireObject(body.metadata, 'metadata');
    if (metadata.user_id !== undefined && metadata.user_id !== null) {
      request.user = requireString(metadata.user_id, 'metadata.user_id');
    }
  }
  return request;
}
