// Reads a (validated) OpenAI / vLLM chat.completions body into a Conversation.
// Request fields: https://platform.openai.com/docs/api-reference/chat/create
import type { Conversation, ConversationMessage, ToolChoice } from './conversation.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, probed field by field
type Json = Record<string, any>;

export function readOpenAIConversation(body: Json): Conversation {
  const messages: ConversationMessage[] = [];
  let lastUserText = '';
  let lastToolResult: string | undefined;
  for (const message of body.messages as Json[]) {
    const role = typeof message?.role === 'string' ? message.role : 'user';
    let text = contentText(message?.content);
    if (Array.isArray(message?.tool_calls)) text += JSON.stringify(message.tool_calls);
    messages.push({ role, text });
    if (role === 'user') lastUserText = text;
    lastToolResult = role === 'tool' || role === 'function' ? text : undefined;
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return {
    model: body.model,
    messages,
    toolsText: tools.length ? JSON.stringify(tools) : '',
    tools: tools.map((tool) => ({
      name: String(tool?.function?.name ?? tool?.name ?? 'tool'),
      schema: tool?.function?.parameters ?? {},
    })),
    toolChoice: readToolChoice(body.tool_choice),
    lastUserText,
    lastToolResult,
    maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
    cacheScope: `${body.model}\u0000${typeof body.cache_salt === 'string' ? body.cache_salt : ''}`,
    hasCacheControl: false,
  };
}

function readToolChoice(choice: unknown): ToolChoice {
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'required' };
  if (choice && typeof choice === 'object') {
    const name = (choice as Json).function?.name;
    if (typeof name === 'string') return { type: 'tool', name };
  }
  return { type: 'auto' };
}

/** Flattens string or content-part arrays; non-text parts count as their JSON. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content == null ? '' : JSON.stringify(content);
  let text = '';
  for (const part of content as Json[]) {
    text +=
      part?.type === 'text' && typeof part.text === 'string' ? part.text : JSON.stringify(part);
  }
  return text;
}
