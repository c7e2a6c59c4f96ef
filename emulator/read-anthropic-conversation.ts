// Reads a (validated) Anthropic Messages body into a Conversation.
// Request fields: https://docs.anthropic.com/en/api/messages
import type { Conversation, ConversationMessage, ToolChoice } from './conversation.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, probed field by field
type Json = Record<string, any>;

export function readAnthropicConversation(body: Json): Conversation {
  const messages: ConversationMessage[] = [];
  let hasCacheControl = false;
  if (typeof body.system === 'string') {
    messages.push({ role: 'system', text: body.system });
  } else if (Array.isArray(body.system)) {
    hasCacheControl ||= (body.system as Json[]).some((block) => block?.cache_control);
    messages.push({ role: 'system', text: blocksText(body.system as Json[]) });
  }
  let lastUserText = '';
  let lastToolResult: string | undefined;
  for (const message of body.messages as Json[]) {
    const content = message.content;
    const blocks = Array.isArray(content) ? (content as Json[]) : undefined;
    const text = blocks ? blocksText(blocks) : String(content);
    messages.push({ role: message.role, text });
    lastToolResult = undefined;
    if (message.role !== 'user') continue;
    if (!blocks) {
      lastUserText = text;
      continue;
    }
    hasCacheControl ||= blocks.some((block) => block?.cache_control);
    const userText = blocks
      .filter((block) => block?.type === 'text')
      .map((block) => String(block.text))
      .join(' ');
    if (userText) lastUserText = userText;
    const results = blocks.filter((block) => block?.type === 'tool_result');
    if (results.length) lastToolResult = results.map((block) => toolResultText(block)).join(' ');
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  hasCacheControl ||= tools.some((tool) => tool?.cache_control);
  return {
    model: body.model,
    messages,
    toolsText: tools.length ? JSON.stringify(tools) : '',
    tools: tools.map((tool) => ({
      name: String(tool?.name ?? 'tool'),
      schema: tool?.input_schema,
    })),
    toolChoice: readToolChoice(body.tool_choice),
    lastUserText,
    lastToolResult,
    maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
    cacheScope: String(body.model),
    hasCacheControl,
  };
}

function readToolChoice(choice: Json | undefined): ToolChoice {
  switch (choice?.type) {
    case 'none':
      return { type: 'none' };
    case 'any':
      return { type: 'required' };
    case 'tool':
      return typeof choice.name === 'string'
        ? { type: 'tool', name: choice.name }
        : { type: 'auto' };
    default:
      return { type: 'auto' };
  }
}

function toolResultText(block: Json): string {
  const content = block.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? blocksText(content as Json[]) : '';
}

/** Text blocks count as their text, tool_result as its content, others as their JSON. */
function blocksText(blocks: Json[]): string {
  let text = '';
  for (const block of blocks) {
    if (block?.type === 'text') text += String(block.text);
    else if (block?.type === 'tool_result') text += toolResultText(block);
    else text += JSON.stringify(block);
  }
  return text;
}
