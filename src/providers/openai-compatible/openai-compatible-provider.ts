// Provider for any OpenAI-style server (vLLM, Ollama, LM Studio, …). Same wire format as OpenAI;
// the differences are handled by the shared converters: the API key is optional, vLLM's
// ErrorResponse shape ({object:"error", message, type, code}) is read for messages, and
// prompt_tokens_details may be null (vLLM without --enable-prompt-tokens-details).

import type { Dispatcher } from 'undici';
import type { Provider } from '../../core/index.js';
import { createOpenAIProvider } from '../openai/openai-provider.js';

export interface OpenAICompatibleProviderOptions {
  name: string;
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  dispatcher: Dispatcher;
}

export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): Provider {
  return createOpenAIProvider({ ...options, type: 'openai-compatible' });
}
