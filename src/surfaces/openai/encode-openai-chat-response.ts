// Internal ChatResponse → OpenAI chat.completion object (for backends of another wire format).

import type { ChatResponse } from '../../core/index.js';
import { convertUsageToOpenAI } from './convert-usage-to-openai.js';
import { mapFinishReasonToOpenAI } from './map-finish-reason-to-openai.js';

export function encodeOpenAIChatResponse(response: ChatResponse): Record<string, unknown> {
  let text = '';
  let reasoning = '';
  const toolCalls: Array<Record<string, unknown>> = [];
  for (const part of response.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning') reasoning += part.text;
    else {
      toolCalls.push({
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: part.arguments },
      });
    }
  }
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: response.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: mapFinishReasonToOpenAI(response.finishReason),
      },
    ],
    usage: convertUsageToOpenAI(response.usage),
  };
}
