// Decodes and validates an OpenAI Chat Completions body into the internal ChatRequest.
// Field reference: https://platform.openai.com/docs/api-reference/chat/create

import {
  GatewayError,
  type ChatMessage,
  type ChatRequest,
  type ImagePart,
  type OpaquePart,
  type TextPart,
  type ToolCallPart,
  type ToolChoice,
  type ToolDefinition,
  type ToolResultPart,
} from '../../core/index.js';

/** Fields the decoder models; every other top-level field goes to `extra`, verbatim. */
const knownFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
  'metadata',
]);

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function expectType(value: unknown, type: string, param: string): void {
  if (typeName(value) !== type) {
    throw invalid(param, `Invalid type for '${param}': expected ${type}, got ${typeName(value)}.`);
  }
}

interface NumberRange {
  min: number;
  max: number;
  integer?: boolean;
}

// The ranges of the numeric fields, made once (not per request).
const tokenRange: NumberRange = { min: 1, max: 10_000_000, integer: true };
const temperatureRange: NumberRange = { min: 0, max: 2 };
const topPRange: NumberRange = { min: 0, max: 1 };
const seedRange: NumberRange = {
  min: Number.MIN_SAFE_INTEGER,
  max: Number.MAX_SAFE_INTEGER,
  integer: true,
};
const penaltyRange: NumberRange = { min: -2, max: 2 };

/** `value` is the body's `field` (read by name at the call: a monomorphic load, not a keyed one). */
function optionalNumber(value: unknown, field: string, range?: NumberRange): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(field, `Invalid type for '${field}': expected number, got ${typeName(value)}.`);
  }
  if (range) {
    if (range.integer && !Number.isInteger(value)) {
      throw invalid(field, `Invalid value for '${field}': expected an integer, got ${value}.`);
    }
    if (value < range.min || value > range.max) {
      throw invalid(
        field,
        `Invalid value for '${field}': ${value} is outside [${range.min}, ${range.max}].`,
      );
    }
  }
  return value;
}

/** `messages[<index>].content`, built only when an error names it. */
function contentParam(index: number): string {
  return `messages[${index}].content`;
}

function decodeTextParts(content: unknown, messageIndex: number): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) expectType(content, 'array', contentParam(messageIndex));
  const parts = content as unknown[];
  const decoded: TextPart[] = new Array<TextPart>(parts.length);
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index];
    if (typeName(part) !== 'object') {
      expectType(part, 'object', `${contentParam(messageIndex)}[${index}]`);
    }
    const record = part as Record<string, unknown>;
    if (record.type !== 'text') {
      const partParam = `${contentParam(messageIndex)}[${index}]`;
      throw invalid(`${partParam}.type`, `Invalid value for '${partParam}.type': expected 'text'.`);
    }
    if (typeof record.text !== 'string') {
      expectType(record.text, 'string', `${contentParam(messageIndex)}[${index}].text`);
    }
    decoded[index] = { type: 'text', text: record.text as string };
  }
  return decoded;
}

function decodeUserContent(
  content: unknown,
  messageIndex: number,
): Array<TextPart | ImagePart | OpaquePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const param = contentParam(messageIndex);
  expectType(content, 'array', param);
  return (content as unknown[]).map((part, index): TextPart | ImagePart | OpaquePart => {
    const partParam = `${param}[${index}]`;
    expectType(part, 'object', partParam);
    const record = part as Record<string, unknown>;
    switch (record.type) {
      case 'text':
        expectType(record.text, 'string', `${partParam}.text`);
        return { type: 'text', text: record.text as string };
      case 'image_url': {
        expectType(record.image_url, 'object', `${partParam}.image_url`);
        const image = record.image_url as Record<string, unknown>;
        expectType(image.url, 'string', `${partParam}.image_url.url`);
        const url = image.url as string;
        const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
        const source: ImagePart['source'] = dataUrl
          ? { type: 'base64', mediaType: dataUrl[1] as string, data: dataUrl[2] as string }
          : { type: 'url', url };
        return typeof image.detail === 'string'
          ? { type: 'image', source, detail: image.detail }
          : { type: 'image', source };
      }
      default:
        // input_audio, file, …: valid for OpenAI-style backends (the raw body is forwarded), but
        // the internal format cannot carry them to another provider family.
        expectType(record.type, 'string', `${partParam}.type`);
        return { type: 'opaque', format: 'openai-chat', value: record };
    }
  });
}

function decodeToolCalls(value: unknown, param: string): ToolCallPart[] {
  expectType(value, 'array', param);
  return (value as unknown[]).map((call, index) => {
    const callParam = `${param}[${index}]`;
    expectType(call, 'object', callParam);
    const record = call as Record<string, unknown>;
    expectType(record.id, 'string', `${callParam}.id`);
    expectType(record.function, 'object', `${callParam}.function`);
    const fn = record.function as Record<string, unknown>;
    expectType(fn.name, 'string', `${callParam}.function.name`);
    expectType(fn.arguments, 'string', `${callParam}.function.arguments`);
    return {
      type: 'tool-call',
      id: record.id as string,
      name: fn.name as string,
      arguments: fn.arguments as string,
    };
  });
}

// Error parameters (`messages[3].content`, …) are built only on the error path: a valid request
// allocates no strings for them.
function decodeMessage(message: unknown, index: number): ChatMessage {
  if (typeName(message) !== 'object') expectType(message, 'object', `messages[${index}]`);
  const record = message as Record<string, unknown>;
  const role = record.role;
  switch (role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: decodeTextParts(record.content, index) };
    case 'user': {
      const decoded: ChatMessage = {
        role: 'user',
        content: decodeUserContent(record.content, index),
      };
      if (typeof record.name === 'string') decoded.name = record.name;
      return decoded;
    }
    case 'assistant': {
      const param = `messages[${index}]`;
      const content: Array<TextPart | ToolCallPart> = [];
      if (record.content !== undefined && record.content !== null) {
        content.push(...decodeTextParts(record.content, index));
      }
      if (record.tool_calls !== undefined && record.tool_calls !== null) {
        content.push(...decodeToolCalls(record.tool_calls, `${param}.tool_calls`));
      }
      return { role: 'assistant', content };
    }
    case 'tool': {
      if (typeof record.tool_call_id !== 'string') {
        expectType(record.tool_call_id, 'string', `messages[${index}].tool_call_id`);
      }
      const text = decodeTextParts(record.content, index);
      const part: ToolResultPart = {
        type: 'tool-result',
        toolCallId: record.tool_call_id as string,
        content: text.map((item) => item.text).join(''),
      };
      return { role: 'tool', content: [part] };
    }
    case undefined: {
      const param = `messages[${index}]`;
      throw invalid(`${param}.role`, `Missing required parameter: '${param}.role'.`);
    }
    default: {
      const param = `messages[${index}]`;
      throw invalid(
        `${param}.role`,
        `Invalid value for '${param}.role': ${JSON.stringify(role)} (expected one of system, developer, user, assistant, tool).`,
      );
    }
  }
}

function decodeTools(value: unknown): ToolDefinition[] {
  expectType(value, 'array', 'tools');
  return (value as unknown[]).map((tool, index) => {
    const param = `tools[${index}]`;
    expectType(tool, 'object', param);
    const record = tool as Record<string, unknown>;
    if (record.type !== 'function') {
      throw invalid(`${param}.type`, `Invalid value for '${param}.type': expected 'function'.`);
    }
    expectType(record.function, 'object', `${param}.function`);
    const fn = record.function as Record<string, unknown>;
    expectType(fn.name, 'string', `${param}.function.name`);
    const definition: ToolDefinition = {
      name: fn.name as string,
      parameters: (fn.parameters as Record<string, unknown> | undefined) ?? {
        type: 'object',
        properties: {},
      },
    };
    if (fn.parameters !== undefined)
      expectType(fn.parameters, 'object', `${param}.function.parameters`);
    if (typeof fn.description === 'string') definition.description = fn.description;
    if (typeof fn.strict === 'boolean') definition.strict = fn.strict;
    return definition;
  });
}

function decodeToolChoice(value: unknown): ToolChoice {
  if (value === 'auto' || value === 'none' || value === 'required') return { type: value };
  if (typeName(value) === 'object') {
    const record = value as Record<string, unknown>;
    const fn = record.function as Record<string, unknown> | undefined;
    if (record.type === 'function' && fn && typeof fn.name === 'string') {
      return { type: 'tool', name: fn.name };
    }
  }
  throw invalid(
    'tool_choice',
    "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or {type:'function', function:{name}}.",
  );
}

export function decodeOpenAIChatRequest(body: unknown): ChatRequest {
  if (typeName(body) !== 'object') {
    throw invalid('', `The request body must be a JSON object, got ${typeName(body)}.`);
  }
  const record = body as Record<string, unknown>;
  if (record.model === undefined) throw invalid('model', "Missing required parameter: 'model'.");
  expectType(record.model, 'string', 'model');
  if (record.messages === undefined) {
    throw invalid('messages', "Missing required parameter: 'messages'.");
  }
  expectType(record.messages, 'array', 'messages');
  const rawMessages = record.messages as unknown[];
  if (rawMessages.length === 0) {
    throw invalid(
      'messages',
      "Invalid 'messages': empty array. Expected an array with minimum length 1.",
    );
  }
  const stream = record.stream ?? false;
  if (typeof stream !== 'boolean') expectType(stream, 'boolean', 'stream');
  let includeUsage = false;
  if (record.stream_options !== undefined && record.stream_options !== null) {
    if (stream !== true) {
      throw invalid(
        'stream_options',
        "Invalid value for 'stream_options': only allowed when 'stream' is true.",
      );
    }
    expectType(record.stream_options, 'object', 'stream_options');
    includeUsage = (record.stream_options as Record<string, unknown>).include_usage === true;
  }
  const request: ChatRequest = {
    model: record.model as string,
    messages: rawMessages.map(decodeMessage),
    stream: stream === true,
    includeUsage,
    extra: {},
  };
  const maxTokens =
    optionalNumber(record.max_completion_tokens, 'max_completion_tokens', tokenRange) ??
    optionalNumber(record.max_tokens, 'max_tokens', tokenRange);
  if (maxTokens !== undefined) request.maxOutputTokens = maxTokens;
  const temperature = optionalNumber(record.temperature, 'temperature', temperatureRange);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(record.top_p, 'top_p', topPRange);
  if (topP !== undefined) request.topP = topP;
  const seed = optionalNumber(record.seed, 'seed', seedRange);
  if (seed !== undefined) request.seed = seed;
  const frequency = optionalNumber(record.frequency_penalty, 'frequency_penalty', penaltyRange);
  if (frequency !== undefined) request.frequencyPenalty = frequency;
  const presence = optionalNumber(record.presence_penalty, 'presence_penalty', penaltyRange);
  if (presence !== undefined) request.presencePenalty = presence;
  if (record.stop !== undefined && record.stop !== null) {
    if (typeof record.stop === 'string') request.stop = [record.stop];
    else {
      expectType(record.stop, 'array', 'stop');
      const stops = record.stop as unknown[];
      stops.forEach((stop, index) => expectType(stop, 'string', `stop[${index}]`));
      request.stop = stops as string[];
    }
  }
  if (record.tools !== undefined && record.tools !== null)
    request.tools = decodeTools(record.tools);
  if (record.tool_choice !== undefined && record.tool_choice !== null) {
    request.toolChoice = decodeToolChoice(record.tool_choice);
  }
  if (record.parallel_tool_calls !== undefined) {
    expectType(record.parallel_tool_calls, 'boolean', 'parallel_tool_calls');
    request.parallelToolCalls = record.parallel_tool_calls as boolean;
  }
  if (record.response_format !== undefined && record.response_format !== null) {
    expectType(record.response_format, 'object', 'response_format');
    request.responseFormat = record.response_format as Record<string, unknown>;
  }
  if (record.user !== undefined) {
    expectType(record.user, 'string', 'user');
    request.user = record.user as string;
  }
  if (record.metadata !== undefined && record.metadata !== null) {
    expectType(record.metadata, 'object', 'metadata');
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(record.metadata as Record<string, unknown>)) {
      expectType(value, 'string', `metadata.${key}`);
      metadata[key] = value as string;
    }
    request.metadata = metadata;
  }
  // for…in over a parsed body walks its own keys (in Object.keys order) without copying them out.
  for (const key in record) {
    if (!knownFields.has(key) && Object.hasOwn(record, key)) request.extra[key] = record[key];
  }
  return request;
}
