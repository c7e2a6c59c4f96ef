// Bedrock Converse response → internal ChatResponse.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax

import type { ChatResponse } from '../../core/index.js';
import type { BedrockConverseResponse, BedrockInputTokensMode } from './bedrock-api.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js';

export function convertBedrockResponse(
  body: BedrockConverseResponse,
  options: { id: string; model: string; inputTokens: BedrockInputTokensMode },
): ChatResponse {
  const content: ChatResponse['content'] = [];
  for (const block of body.output?.message?.content ?? []) {
    if (typeof block.text === 'string') {
      content.push({ type: 'text', text: block.text });
    } else if (block.toolUse) {
      content.push({
        type: 'tool-call',
        id: block.toolUse.toolUseId,
        name: block.toolUse.name,
        arguments: JSON.stringify(block.toolUse.input ?? {}),
      });
    } else if (block.reasoningContent?.reasoningText) {
      const reasoning = block.reasoningContent.reasoningText;
      content.push({
        type: 'reasoning',
        text: reasoning.text ?? '',
        ...(reasoning.signature !== undefined ? { signature: reasoning.signature } : {}),
      });
    }
  }
  return {
    id: options.id,
    model: options.model,
    created: Math.floor(Date.now() / 1000),
    content,
    finishReason: mapBedrockStopReason(body.stopReason),
    usage: convertBedrockUsage(body.usage, options.inputTokens),
  };
}
