// OpenAI chat.completion → internal ChatResponse.
// Reference: https://platform.openai.com/docs/api-reference/chat/object

import type { ChatResponse } from '../../core/index.js';
import type { OpenAIChatCompletion } from './openai-api.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

export function convertOpenAIResponse(body: OpenAIChatCompletion): ChatResponse {
  const choice = body.choices[0];
  const content: ChatResponse['content'] = [];
  const reasoning = choice?.message.reasoning_content ?? choice?.message.reasoning;
  if (reasoning) content.push({ type: 'reasoning', text: reasoning });
  if (choice?.message.content) content.push({ type: 'text', text: choice.message.content });
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({
      type: 'tool-call',
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    });
  }
  return {
    id: body.id,
    model: body.model,
    created: body.created,
    content,
    finishReason: mapOpenAIFinishReason(choice?.finish_reason),
    usage: convertOpenAIUsage(body.usage),
  };
}
