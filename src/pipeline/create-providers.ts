// Builds the provider instances named in the config, each with its own undici pool.

import type { SwitchyardConfig } from '../config/config-schema.js';
import type { Provider } from '../core/index.js';
import { createAnthropicProvider } from '../providers/anthropic/anthropic-provider.js';
import { createBedrockProvider } from '../providers/bedrock/bedrock-provider.js';
import { createOpenAICompatibleProvider } from '../providers/openai-compatible/openai-compatible-provider.js';
import { createOpenAIProvider } from '../providers/openai/openai-provider.js';
import { defaultTimeouts } from '../routing/model-catalog.js';
import { createUpstreamPool } from '../upstream/create-upstream-pool.js';
import { createReplicaPool } from '../upstream/replica-pool.js';
import { createReplicaPoolProvider } from '../upstream/replica-pool-provider.js';
import { replicaPoolSchema } from '../config/routing-schema.js';

export function createProviders(config: SwitchyardConfig): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  for (const [name, provider] of Object.entries(config.providers)) {
    const connectTimeoutMs =
      provider.timeouts?.connectMs ?? config.timeouts.connectMs ?? defaultTimeouts.connectMs;
    const dispatcher = createUpstreamPool({
      baseUrl: provider.baseUrl,
      maxConnections: provider.maxConnections,
      connectTimeoutMs,
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
        if (provider.replicas !== undefined || provider.pool !== undefined) {
          // A self-hosted pool: one undici pool and provider per replica, a replica per request.
          void dispatcher.close();
          const urls = provider.replicas ?? [provider.baseUrl];
          const replicas = urls.map((url) => ({
            url,
            dispatcher: createUpstreamPool({
              baseUrl: url,
              maxConnections: provider.maxConnections,
              connectTimeoutMs,
            }),
          }));
          const poolConfig = provider.pool ?? replicaPoolSchema.parse({});
          providers.set(
            name,
            createReplicaPoolProvider({
              name,
              type: 'openai-compatible',
              pool: createReplicaPool({ name, replicas, config: poolConfig }),
              replicaProviders: replicas.map((replica) =>
                createOpenAICompatibleProvider({
                  ...common,
                  baseUrl: replica.url,
                  dispatcher: replica.dispatcher,
                }),
              ),
              cacheSalt: poolConfig.cacheSalt,
            }),
          );
          break;
        }
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
      case 'bedrock':
        providers.set(
          name,
          createBedrockProvider({
            name,
            baseUrl: provider.baseUrl,
            dispatcher,
            // The schema guarantees a region and either an API key or an access key + secret.
            auth:
              provider.apiKey !== undefined
                ? { type: 'bearer', apiKey: provider.apiKey }
                : {
                    type: 'sigv4',
                    region: provider.region ?? '',
                    credentials: {
                      accessKeyId: provider.accessKeyId ?? '',
                      secretAccessKey: provider.secretAccessKey ?? '',
                      ...(provider.sessionToken !== undefined
                        ? { sessionToken: provider.sessionToken }
                        : {}),
                    },
                  },
            inputTokens: provider.usageInputTokens ?? 'exclusive',
            ...(provider.headers !== undefined ? { headers: provider.headers } : {}),
          }),
        );
        break;
    }
  }
  return providers;
}
