// Asks a model alias for a short non-streaming answer through the providers (the LLM judge's call):
// the alias's deployments in order, the first answer wins.

import type { ChatRequest, Provider } from '../core/index.js';
import type { CompleteText } from './classifiers/llm-judge-classifier.js';
import type { ModelCatalog } from './model-catalog.js';

export function createCompleteWithAlias(options: {
  alias: string;
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, Provider>;
  maxOutputTokens?: number;
}): CompleteText {
  return async (prompt, signal) => {
    const route = options.catalog.resolve(options.alias);
    if (!route) throw new Error(`unknown model alias '${options.alias}'`);
    const request: ChatRequest = {
      model: options.alias,
      messages: [
        { role: 'system', content: [{ type: 'text', text: prompt.system }] },
        { role: 'user', content: [{ type: 'text', text: prompt.user }] },
      ],
      stream: false,
      includeUsage: false,
      maxOutputTokens: options.maxOutputTokens ?? 4,
      temperature: 0,
      extra: {},
    };
    let lastError: unknown = new Error(`no deployment of '${options.alias}' could be called`);
    for (const deployment of route.deployments) {
      const provider = options.providers.get(deployment.provider);
      if (!provider) continue;
      try {
        const result = await provider.chat({
          request,
          deployment,
          signal,
          timeouts: deployment.timeouts,
        });
        let text = '';
        for (const part of result.response.content) if (part.type === 'text') text += part.text;
        return text;
      } catch (error) {
        lastError = error;
        if (signal.aborted) break;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  };
}
