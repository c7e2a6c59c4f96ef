// Anthropic Message → internal ChatResponse.
// Reference: https://docs.anthropic.com/en/api/messages (response body)

import type { ChatResponse } from '../../core/index.js';
import type { AnthropicMessage } from './anthropic-api.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

export function convertAnthropicResponse(
  body: AnthropicMessage,
  createdSeconds = Math.floor(Date.now() / 1000),
): ChatResponse {
  const content: ChatResponse['content'] = [];
  for (const block of body.content) {
    switch (block.type) {
      case 'text':
        content.push({ type: 'text', text: String(block.text) });
        break;
      case 'tool_use':
        content.push({
          type: 'tool-call',
          id: String(block.id),
          name: String(block.name),
          arguments: JSON.stringify(block.input ?? {}),
        });
        break;
      case 'thinking': {
        const signature = block.signature;
        content.push(
          typeof signature === 'string' && signature !== ''
            ? { type: 'reasoning', text: String(block.thinking), signature }
            : { type: 'reasoning', text: String(block.thinking) },
        );
        break;
      }
      default:
        // redacted_thinking, server tool blocks: nothing another format could show.
        break;
    }
  }
  return {
    id: body.id,
    model: body.model,
    // Anthropic messages carry no timestamp.
    created: createdSeconds,
    content,
    finishReason: mapAnthropicStopReason(body.stop_reason),
    usage: convertAnthropicUsage(body.usage),
  };
}
