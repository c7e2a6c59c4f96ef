// Internal ChatResponse → Anthropic Message object (for backends of another wire format).
// Shape: https://docs.anthropic.com/en/api/messages (response body)

import type { ChatResponse } from '../../core/index.js';
import { convertUsageToAnthropic } from './convert-usage-to-anthropic.js';
import { mapFinishReasonToAnthropic } from './map-finish-reason-to-anthropic.js';

/** Tool-call arguments are JSON text; Anthropic's `input` is an object. */
export function parseToolInput(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // an OpenAI-style model can emit invalid arguments (e.g. cut by max_tokens): no object to give
  }
  return {};
}

/** `msg_` + the request id without dashes: the id shape Anthropic clients expect. */
export function anthropicMessageId(requestId: string): string {
  return `msg_${requestId.replace(/[^A-Za-z0-9]/g, '')}`;
}

export function encodeAnthropicMessageResponse(
  response: ChatResponse,
  requestId: string | undefined,
): Record<string, unknown> {
  const content: Array<Record<string, unknown>> = [];
  for (const part of response.content) {
    switch (part.type) {
      case 'reasoning':
        content.push({ type: 'thinking', thinking: part.text, signature: part.signature ?? '' });
        break;
      case 'text':
        if (part.text !== '') content.push({ type: 'text', text: part.text });
        break;
      case 'tool-call':
        content.push({
          type: 'tool_use',
          id: part.id,
          name: part.name,
          input: parseToolInput(part.arguments),
        });
        break;
    }
  }
  return {
    id: anthropicMessageId(requestId ?? response.id),
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: mapFinishReasonToAnthropic(response.finishReason),
    stop_sequence: null,
    usage: convertUsageToAnthropic(response.usage),
  };
}
