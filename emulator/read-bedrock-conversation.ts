// Reads a (validated) Bedrock Converse body into a Conversation.
// Request fields: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
import type { Conversation, ConversationMessage, ToolChoice } from './conversation.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, probed field by field
type Json = Record<string, any>;

export function readBedrockConversation(body: Json, modelId: string): Conversation {
  const messages: ConversationMessage[] = [];
  let hasCacheControl = false;
  if (Array.isArray(body.system)) {
    const system = body.system as Json[];
    hasCacheControl ||= system.some((block) => block?.cachePoint);
    messages.push({
      role: 'system',
      text: blocksText(system.filter((block) => !block?.cachePoint)),
    });
  }
  let lastUserText = '';
  let lastToolResult: string | undefined;
  for (const message of body.messages as Json[]) {
    const blocks = (message.content as Json[]).filter((block) => !block?.cachePoint);
    hasCacheControl ||= (message.content as Json[]).some((block) => block?.cachePoint);
    messages.push({ role: String(message.role), text: blocksText(blocks) });
    lastToolResult = undefined;
    if (message.role !== 'user') continue;
    const userText = blocks
      .filter((block) => typeof block?.text === 'string')
      .map((block) => String(block.text))
      .join(' ');
    if (userText) lastUserText = userText;
    const results = blocks.filter((block) => block?.toolResult);
    if (results.length) lastToolResult = results.map((block) => toolResultText(block)).join(' ');
  }
  const tools = Array.isArray(body.toolConfig?.tools) ? (body.toolConfig.tools as Json[]) : [];
  hasCacheControl ||= tools.some((tool) => tool?.cachePoint);
  const specs = tools.filter((tool) => tool?.toolSpec).map((tool) => tool.toolSpec as Json);
  return {
    model: modelId,
    messages,
    toolsText: specs.length ? JSON.stringify(specs) : '',
    tools: specs.map((spec) => ({
      name: String(spec.name ?? 'tool'),
      schema: spec.inputSchema?.json,
    })),
    toolChoice: readToolChoice(body.toolConfig?.toolChoice),
    lastUserText,
    lastToolResult,
    maxTokens:
      typeof body.inferenceConfig?.maxTokens === 'number'
        ? body.inferenceConfig.maxTokens
        : undefined,
    cacheScope: modelId,
    hasCacheControl,
  };
}

function readToolChoice(choice: Json | undefined): ToolChoice {
  if (choice?.any) return { type: 'required' };
  if (choice?.tool && typeof choice.tool.name === 'string') {
    return { type: 'tool', name: choice.tool.name };
  }
  return { type: 'auto' };
}

function toolResultText(block: Json): string {
  const content = block.toolResult?.content;
  if (!Array.isArray(content)) return '';
  return (content as Json[])
    .map((item) =>
      typeof item?.text === 'string' ? item.text : JSON.stringify(item?.json ?? item),
    )
    .join('');
}

/** Text blocks count as their text, toolResult as its content, others as their JSON. */
function blocksText(blocks: Json[]): string {
  let text = '';
  for (const block of blocks) {
    if (typeof block?.text === 'string') text += block.text;
    else if (block?.toolResult) text += toolResultText(block);
    else text += JSON.stringify(block);
  }
  return text;
}
