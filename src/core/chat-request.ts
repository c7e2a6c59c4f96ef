// The internal chat request every surface decodes into and every provider converts from.

export interface TextPart {
  type: 'text';
  text: string;
  /** Anthropic-style prompt caching hint, kept so same-format backends can honour it. */
  cacheControl?: { type: 'ephemeral'; ttl?: string };
}

export interface ImagePart {
  type: 'image';
  source: { type: 'url'; url: string } | { type: 'base64'; mediaType: string; data: string };
  detail?: string;
}

export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  name: string;
  /** The arguments as the JSON text the model produced (not parsed: it may be partial or invalid). */
  arguments: string;
}

export interface ToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  content: string | Array<TextPart | ImagePart>;
  isError?: boolean;
}

/**
 * A content part the internal format does not model (OpenAI `input_audio`, `file`, …), kept verbatim.
 * A backend of the same wire format receives it as it was; a translator to another format refuses
 * the request with a 400 naming the part.
 */
export interface OpaquePart {
  type: 'opaque';
  format: 'openai-chat' | 'anthropic-messages';
  value: Record<string, unknown>;
}

export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
}

export type ChatMessage =
  | { role: 'system'; content: TextPart[] }
  | { role: 'user'; content: Array<TextPart | ImagePart | OpaquePart>; name?: string }
  | { role: 'assistant'; content: Array<TextPart | ToolCallPart | ReasoningPart> }
  | { role: 'tool'; content: ToolResultPart[] };

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice =
  { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string };

export interface ChatRequest {
  /** The model name the client asked for (an alias of the gateway). */
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  /** The client asked for usage in the stream (OpenAI `stream_options.include_usage`). */
  includeUsage: boolean;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: Record<string, unknown>;
  user?: string;
  metadata?: Record<string, string>;
  /**
   * Fields the gateway does not model, kept verbatim for backends of the same family
   * (vLLM's `top_k`, `guided_json`, `chat_template_kwargs`, …). Never silently dropped.
   */
  extra: Record<string, unknown>;
}

export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encodingFormat?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  extra: Record<string, unknown>;
}
