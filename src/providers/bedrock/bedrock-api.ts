// AWS Bedrock Runtime Converse / ConverseStream wire types the converters read and write.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
// and https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html */
export interface BedrockTokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html */
export type BedrockContentBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | {
      toolResult: {
        toolUseId: string;
        content: Array<{ text: string } | { json: unknown } | { image: unknown }>;
        status?: 'success' | 'error';
      };
    }
  | { reasoningContent: { reasoningText?: { text: string; signature?: string } } }
  | { cachePoint: { type: 'default' } };

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: Array<{ text: string } | { cachePoint: { type: 'default' } }>;
  inferenceConfig?: {
    maxTokens?: number;
    temperature?: number;
    topP?: number;
    stopSequences?: string[];
  };
  toolConfig?: {
    tools: Array<{
      toolSpec: { name: string; description?: string; inputSchema: { json: unknown } };
    }>;
    toolChoice?: { auto: object } | { any: object } | { tool: { name: string } };
  };
  additionalModelRequestFields?: Record<string, unknown>;
}

/** Response content blocks as they come back (a subset of ContentBlock, read loosely). */
export interface BedrockOutputBlock {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input: unknown };
  reasoningContent?: { reasoningText?: { text?: string; signature?: string } };
}

export interface BedrockConverseResponse {
  output?: { message?: { role: string; content?: BedrockOutputBlock[] } };
  stopReason?: string;
  usage?: BedrockTokenUsage;
  metrics?: { latencyMs?: number };
}

/** Payloads of ConverseStream events, keyed by `:event-type`. */
export interface BedrockStreamEvents {
  messageStart: { role: string };
  contentBlockStart: {
    contentBlockIndex: number;
    start?: { toolUse?: { toolUseId: string; name: string } };
  };
  contentBlockDelta: {
    contentBlockIndex: number;
    delta?: {
      text?: string;
      toolUse?: { input?: string };
      reasoningContent?: { text?: string; signature?: string };
    };
  };
  contentBlockStop: { contentBlockIndex: number };
  messageStop: { stopReason?: string; additionalModelResponseFields?: unknown };
  metadata: { usage?: BedrockTokenUsage; metrics?: { latencyMs?: number } };
}

/** How `inputTokens` relates to the cache fields (see convert-bedrock-usage.ts). */
export type BedrockInputTokensMode = 'exclusive' | 'inclusive';
