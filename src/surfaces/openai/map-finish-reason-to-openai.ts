// Unified finish reason → OpenAI `finish_reason`.

import type { FinishReason } from '../../core/index.js';

export function mapFinishReasonToOpenAI(finishReason: FinishReason): string {
  switch (finishReason.unified) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
      return 'content_filter';
    case 'error':
    case 'other':
      return 'stop';
  }
}
