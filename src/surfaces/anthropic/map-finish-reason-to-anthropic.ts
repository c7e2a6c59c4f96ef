// Unified finish reason → Anthropic `stop_reason`.

import type { FinishReason } from '../../core/index.js';

const anthropicStopReasons = new Set([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
]);

export function mapFinishReasonToAnthropic(finishReason: FinishReason): string {
  // Already an Anthropic value (a translated stream from an Anthropic-family backend): keep it.
  if (finishReason.raw !== undefined && anthropicStopReasons.has(finishReason.raw)) {
    return finishReason.raw;
  }
  switch (finishReason.unified) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool-calls':
      return 'tool_use';
    case 'content-filter':
      return 'refusal';
    case 'error':
    case 'other':
      return 'end_turn';
  }
}
