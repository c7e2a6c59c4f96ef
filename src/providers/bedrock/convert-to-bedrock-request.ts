// Internal ChatRequest → Bedrock Converse request body (the model ID goes in the path).
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
// Content blocks: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html

import { GatewayError, type ChatMessage, type ChatRequest } from '../../core/index.js';
import type { BedrockContentBlock, BedrockConverseRequest, BedrockMessage } from './bedrock-api.js';

/** Image formats Converse accepts (ImageBlock.format). */
const imageFormats = new Set(['png', 'jpeg', 'gif', 'webp']);

const cachePoint: BedrockContentBlock = { cachePoint: { type: 'default' } };

export function convertToBedrockRequest(request: ChatRequest): BedrockConverseRequest {
  const system: NonNullable<BedrockConverseRequest['system']> = [];
  const messages: BedrockMessage[] = [];
  request.messages.forEach((message, index) => {
    if (message.role === 'system') {
      for (const part of message.content) {
        if (part.text !== '') system.push({ text: part.text });
        if (part.cacheControl) system.push({ cachePoint: { type: 'default' } });
      }
      return;
    }
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const content = convertContent(message, index);
    if (content.length === 0) return;
    // Converse wants alternating roles: tool results and the user text after them share one
    // user turn, as in the Anthropic format.
    const previous = messages[messages.length - 1];
    if (previous && previous.role === role) previous.content.push(...content);
    else messages.push({ role, content });
  });

  const body: BedrockConverseRequest = { messages };
  if (system.length > 0) body.system = system;
  const inference: NonNullable<BedrockConverseRequest['inferenceConfig']> = {};
  if (request.maxOutputTokens !== undefined) inference.maxTokens = request.maxOutputTokens;
  if (request.temperature !== undefined) inference.temperature = request.temperature;
  if (request.topP !== undefined) inference.topP = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) inference.stopSequences = request.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  // top_k is not in InferenceConfiguration; models that take it (Anthropic, Mistral…) read it
  // from additionalModelRequestFields.
  if (request.topK !== undefined) body.additionalModelRequestFields = { top_k: request.topK };
  if (request.tools !== undefined && request.tools.length > 0) {
    body.toolConfig = {
      tools: request.tools.map((tool) => ({
        toolSpec: {
          name: tool.name,
          ...(tool.description !== undefined ? { description: tool.description } : {}),
          inputSchema: { json: tool.parameters },
        },
      })),
    };
    // Converse has no "none": the tools stay (earlier toolUse blocks require a toolConfig) and the
    // model chooses, as with auto.
    switch (request.toolChoice?.type) {
      case 'required':
        body.toolConfig.toolChoice = { any: {} };
        break;
      case 'tool':
        body.toolConfig.toolChoice = { tool: { name: request.toolChoice.name } };
        break;
      case 'auto':
        body.toolConfig.toolChoice = { auto: {} };
        break;
      case 'none':
      case undefined:
        break;
    }
  }
  return body;
}

function convertContent(
  message: Exclude<ChatMessage, { role: 'system' }>,
  index: number,
): BedrockContentBlock[] {
  const blocks: BedrockContentBlock[] = [];
  switch (message.role) {
    case 'user':
      message.content.forEach((part, partIndex) => {
        const param = `messages[${index}].content[${partIndex}]`;
        switch (part.type) {
          case 'text':
            // Converse rejects empty text blocks.
            if (part.text !== '') blocks.push({ text: part.text });
            if (part.cacheControl) blocks.push(cachePoint);
            break;
          case 'image':
            blocks.push(convertImage(part.source, param));
            break;
          case 'opaque':
            throw new GatewayError(
              'invalid_request',
              `${param}: a ${String(part.value.type)} block cannot be sent to a Bedrock model`,
              { param },
            );
        }
      });
      return blocks;
    case 'assistant':
      for (const part of message.content) {
        switch (part.type) {
          case 'text':
            if (part.text !== '') blocks.push({ text: part.text });
            break;
          case 'tool-call':
            blocks.push({
              toolUse: {
                toolUseId: part.id,
                name: part.name,
                input: parseArguments(part.arguments, index),
              },
            });
            break;
          case 'reasoning':
            blocks.push({
              reasoningContent: {
                reasoningText: {
                  text: part.text,
                  ...(part.signature !== undefined ? { signature: part.signature } : {}),
                },
              },
            });
            break;
        }
      }
      return blocks;
    case 'tool':
      for (const part of message.content) {
        const content =
          typeof part.content === 'string'
            ? [{ text: part.content }]
            : part.content.map((item, itemIndex) =>
                item.type === 'text'
                  ? { text: item.text }
                  : {
                      image: (
                        convertImage(item.source, `messages[${index}].content[${itemIndex}]`) as {
                          image: unknown;
                        }
                      ).image,
                    },
              );
        blocks.push({
          toolResult: {
            toolUseId: part.toolCallId,
            // Converse rejects an empty text block here too.
            content: content.filter((item) => !('text' in item) || item.text !== ''),
            ...(part.isError ? { status: 'error' as const } : {}),
          },
        });
      }
      return blocks;
  }
}

function convertImage(
  source: { type: 'url'; url: string } | { type: 'base64'; mediaType: string; data: string },
  param: string,
): BedrockContentBlock {
  if (source.type === 'url') {
    throw new GatewayError(
      'invalid_request',
      `${param}: Bedrock models take images as data (a data: URL with base64), not as a link`,
      { param },
    );
  }
  const format = source.mediaType.replace(/^image\//, '').replace('jpg', 'jpeg');
  if (!imageFormats.has(format)) {
    throw new GatewayError(
      'invalid_request',
      `${param}: image type ${source.mediaType} is not supported by Bedrock (png, jpeg, gif, webp)`,
      { param },
    );
  }
  return { image: { format, source: { bytes: source.data } } };
}

/** toolUse.input is a JSON object; the internal format keeps the model's text. */
function parseArguments(text: string, index: number): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GatewayError(
      'invalid_request',
      `messages[${index}]: tool call arguments are not valid JSON, which a Bedrock model requires`,
      { param: `messages[${index}]` },
    );
  }
}
