// Internal ChatRequest → OpenAI Chat Completions body; on the fast path, the client's own body
// with only `model` and the stream usage option patched (unknown fields pass through verbatim).
// Reference: https://platform.openai.com/docs/api-reference/chat/create

import {
  GatewayError,
  type ChatMessage,
  type ChatRequest,
  type Deployment,
} from '../../core/index.js';

export function convertToOpenAIRequest(
  request: ChatRequest,
  deployment: Deployment,
  passthroughBody?: Record<string, unknown>,
): Record<string, unknown> {
  if (passthroughBody) {
    if (!request.stream) return { ...passthroughBody, model: deployment.model };
    // Always ask for usage so the gateway knows the real token counts; the usage-only chunk is
    // stripped on the way back when the client did not ask for it.
    const options = passthroughBody.stream_options as Record<string, unknown> | undefined;
    const streamOptions = options ? { ...options, include_usage: true } : { include_usage: true };
    // A spread copy that then gains a key (`stream_options`, absent from most bodies) costs V8 a
    // new hidden class per request (~1.4 us); Object.assign onto {} does not. Same keys in the same
    // order; a body with an own `__proto__` key keeps the spread (assign would set the prototype).
    if (Object.hasOwn(passthroughBody, '__proto__')) {
      return { ...passthroughBody, model: deployment.model, stream_options: streamOptions };
    }
    const body: Record<string, unknown> = Object.assign({}, passthroughBody);
    body.model = deployment.model;
    body.stream_options = streamOptions;
    return body;
  }
  const body: Record<string, unknown> = {
    ...request.extra,
    model: deployment.model,
    messages: request.messages.flatMap(convertMessage),
  };
  if (request.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (request.maxOutputTokens !== undefined) body.max_completion_tokens = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK; // vLLM and Ollama accept it
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.tools !== undefined) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.parameters,
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      request.toolChoice.type === 'tool'
        ? { type: 'function', function: { name: request.toolChoice.name } }
        : request.toolChoice.type;
  }
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat !== undefined) body.response_format = request.responseFormat;
  if (request.user !== undefined) body.user = request.user;
  return body;
}

function convertMessage(message: ChatMessage, index: number): Array<Record<string, unknown>> {
  switch (message.role) {
    case 'system':
      return [{ role: 'system', content: message.content.map((part) => part.text).join('') }];
    case 'user': {
      const simple = message.content.every((part) => part.type === 'text');
      const content = simple
        ? message.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
        : message.content.map((part, partIndex) => {
            switch (part.type) {
              case 'text':
                return { type: 'text', text: part.text };
              case 'image':
                return {
                  type: 'image_url',
                  image_url: {
                    url:
                      part.source.type === 'url'
                        ? part.source.url
                        : `data:${part.source.mediaType};base64,${part.source.data}`,
                    ...(part.detail !== undefined ? { detail: part.detail } : {}),
                  },
                };
              case 'opaque':
                if (part.format === 'openai-chat') return part.value;
                throw new GatewayError(
                  'invalid_request',
                  `messages[${index}].content[${partIndex}]: a ${String(part.value.type)} block cannot be sent to an OpenAI-style model`,
                  { param: `messages[${index}].content[${partIndex}]` },
                );
            }
          });
      return [
        { role: 'user', content, ...(message.name !== undefined ? { name: message.name } : {}) },
      ];
    }
    case 'assistant': {
      const text = message.content
        .filter((part) => part.type === 'text')
        .map((part) => part.text)
        .join('');
      const toolCalls = message.content
        .filter((part) => part.type === 'tool-call')
        .map((part) => ({
          id: part.id,
          type: 'function',
          function: { name: part.name, arguments: part.arguments },
        }));
      return [
        {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
      ];
    }
    case 'tool':
      return message.content.map((part) => ({
        role: 'tool',
        tool_call_id: part.toolCallId,
        content:
          typeof part.content === 'string'
            ? part.content
            : part.content.map((item) => (item.type === 'text' ? item.text : '')).join(''),
      }));
  }
}
