// Provider-neutral view of a chat request: what the reply, token and cache rules need.

export interface ConversationMessage {
  role: string;
  text: string;
}

export interface ConversationTool {
  name: string;
  schema: unknown;
}

export type ToolChoice =
  { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string };

export interface Conversation {
  model: string;
  /** System prompt(s) first, then the messages, each flattened to text. */
  messages: ConversationMessage[];
  /** JSON of the request's tools ('' when none); counted as prompt tokens before the messages. */
  toolsText: string;
  tools: ConversationTool[];
  toolChoice: ToolChoice;
  lastUserText: string;
  /** Text of the tool result when the last message is one; otherwise undefined. */
  lastToolResult: string | undefined;
  maxTokens: number | undefined;
  /** Mixed into the first prefix block (vLLM `cache_salt`, and the model): isolates caches. */
  cacheScope: string;
  /** Anthropic: the request has at least one cache_control block. */
  hasCacheControl: boolean;
}
