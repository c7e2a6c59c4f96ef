// Bedrock `stopReason` → unified finish reason.
// Values: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_MessageStopEvent.html
// (also the Converse response's `stopReason`).

import type { FinishReason } from '../../core/index.js';

export function mapBedrockStopReason(raw: string | undefined): FinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      return { unified: 'stop', raw };
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { unified: 'length', raw };
    case 'tool_use':
      return { unified: 'tool-calls', raw };
    case 'guardrail_intervened':
    case 'content_filtered':
      return { unified: 'content-filter', raw };
    case 'malformed_model_output':
    case 'malformed_tool_use':
      return { unified: 'error', raw };
    case undefined:
      return { unified: 'other', raw: undefined };
    default:
      return { unified: 'other', raw };
  }
}
