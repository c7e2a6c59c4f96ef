// Anthropic `stop_reason` → unified finish reason.
// Values: https://docs.anthropic.com/en/api/messages#response-stop-reason

import type { FinishReason } from '../../core/index.js';

export function mapAnthropicStopReason(raw: string | null | undefined): FinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      return { unified: 'stop', raw };
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { unified: 'length', raw };
    case 'tool_use':
      return { unified: 'tool-calls', raw };
    case 'refusal':
      return { unified: 'content-filter', raw };
    case null:
    case undefined:
      return { unified: 'other', raw: undefined };
    default:
      // pause_turn and anything newer
      return { unified: 'other', raw };
  }
}
