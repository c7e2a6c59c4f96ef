// The configs used when no file is given: real OpenAI when OPENAI_API_KEY is set, else demo mode
// against the in-process emulator. Both expose the same alias names, so examples work in either.

export const defaultChatAliases = ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-5-mini', 'gpt-5'];
export const defaultEmbeddingAliases = ['text-embedding-3-small'];

function aliasesFor(provider: string): Record<string, Array<{ provider: string; model: string }>> {
  const models: Record<string, Array<{ provider: string; model: string }>> = {};
  for (const alias of [...defaultChatAliases, ...defaultEmbeddingAliases]) {
    models[alias] = [{ provider, model: alias }];
  }
  return models;
}

/** Raw (pre-validation) config that serves real OpenAI with the key from the environment. */
export function createOpenAIEnvConfig(): Record<string, unknown> {
  return {
    providers: {
      openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: '${OPENAI_API_KEY}' },
    },
    models: aliasesFor('openai'),
  };
}

/** Raw config for demo mode: an emulated OpenAI-style provider running inside the process. */
export function createDemoConfig(emulatorBaseUrl: string): Record<string, unknown> {
  return {
    providers: { demo: { type: 'openai-compatible', baseUrl: emulatorBaseUrl } },
    models: aliasesFor('demo'),
  };
}
