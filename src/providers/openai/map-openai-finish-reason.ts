// OpenAI `finish_reason` → unified finish reason.
// Values: https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices

import type { FinishReason } from '../../core/index.js';

export function mapOpenAIFinishReason(raw: string | null | undefined): FinishReason {
  switch (raw) {
    case 'stop':
      return { unified: 'stop', raw };
    case 'length':
      return { unified: 'length', raw };
    case 'tool_calls':
    case 'function_call':
      return { unified: 'tool-calls', raw };
    case 'content_filter':
      return { unified: 'content-filter', raw };
    case null:
    case undefined:
      return { unified: 'other', raw: undefined };
    default:
      return { unified: 'other', raw };
  }
}
