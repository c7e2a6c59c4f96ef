// The ValidationException checks of Converse the emulator enforces (a subset, with AWS wording).
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
import type { ErrorSpec } from './render-error.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, probed field by field
type Json = Record<string, any>;

const BLOCK_KEYS = [
  'text',
  'image',
  'document',
  'video',
  'toolUse',
  'toolResult',
  'guardContent',
  'reasoningContent',
  'cachePoint',
  'citationsContent',
];

export function validateBedrockConverse(body: unknown, bodyError: boolean): ErrorSpec | undefined {
  const invalid = (message: string): ErrorSpec => ({ status: 400, message });
  if (bodyError || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return invalid('Malformed input request, please reformat your input and try again.');
  }
  const request = body as Json;
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    return invalid(
      'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    );
  }
  let usesTools = false;
  let previousRole: string | undefined;
  for (const [index, message] of (request.messages as Json[]).entries()) {
    if (message?.role !== 'user' && message?.role !== 'assistant') {
      return invalid(
        `1 validation error detected: Value at 'messages.${index + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`,
      );
    }
    if (index === 0 && message.role !== 'user') {
      return invalid(
        'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
      );
    }
    if (message.role === previousRole) {
      return invalid(
        'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      );
    }
    previousRole = message.role as string;
    if (!Array.isArray(message.content) || message.content.length === 0) {
      return invalid(
        `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`,
      );
    }
    for (const block of message.content as Json[]) {
      const key =
        block && typeof block === 'object'
          ? Object.keys(block).find((name) => BLOCK_KEYS.includes(name))
          : undefined;
      if (!key) return invalid(`messages.${index}: unknown content block`);
      if (key === 'text' && (typeof block.text !== 'string' || block.text === '')) {
        return invalid(
          'The text field in the ContentBlock object is blank. Add text to the text field, and try again.',
        );
      }
      if (key === 'toolUse' || key === 'toolResult') usesTools = true;
    }
  }
  const tools = request.toolConfig?.tools;
  if (usesTools && (!Array.isArray(tools) || tools.length === 0)) {
    return invalid(
      'The toolConfig field must be defined when using toolUse and toolResult content blocks.',
    );
  }
  const inference = request.inferenceConfig;
  if (
    inference !== undefined &&
    inference.maxTokens !== undefined &&
    !(Number.isInteger(inference.maxTokens) && inference.maxTokens >= 1)
  ) {
    return invalid(
      "1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  }
  return undefined;
}
