// Builds the provider instances named in the config, each with its own undici pool.

import type { SwitchyardConfig } from '../config/config-schema.js';
import type { Provider } from '../core/index.js';
import { createAnthropicProvider } from '../providers/anthropic/anthropic-provider.js';
import { createOpenAICompatibleProvider } from '../providers/openai-compatible/openai-compatible-provider.js';
import { createOpenAIProvider } from '../providers/openai/openai-provider.js';
import { defaultTimeouts } from '../routing/model-catalog.js';
import { createUpstreamPool } from '../upstream/create-upstream-pool.js';

export function createProviders(config: SwitchyardConfig): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  for (const [name, provider] of Object.entries(config.providers)) {
    const dispatcher = createUpstreamPool({
      baseUrl: provider.baseUrl,
      maxConnections: provider.maxConnections,
      connectTimeoutMs:
        provider.timeouts?.connectMs ?? config.timeouts.connectMs ?? defaultTimeouts.connectMs,
    });
    const common = {
      name,
      baseUrl: provider.baseUrl,
      dispatcher,
      ...(provider.apiKey !== undefined ? { apiKey: provider.apiKey } : {}),
      ...(provider.headers !== undefined ? { headers: provider.headers } : {}),
    };
    switch (provider.type) {
      case 'openai':
        providers.set(name, createOpenAIProvider({ ...common, type: 'openai' }));
        break;
      case 'openai-compatible':
        providers.set(name, createOpenAICompatibleProvider(common));
        break;
      case 'anthropic':
        providers.set(
          name,
          createAnthropicProvider({
            ...common,
            ...(provider.anthropic !== undefined ? { settings: provider.anthropic } : {}),
          }),
        );
        break;
    }
  }
  return providers;
}
