// Scenario: OpenAI chat completion streamed (SSE), OpenAI client → Anthropic upstream: the request
// is translated to the Messages API and every Anthropic event back into chat.completion.chunk
// objects. Direct and bare-proxy runs send the equivalent Anthropic request to the same emulator,
// so the gateway's figure includes the translation both ways.
// No stream end marker: the gateway ends with `data: [DONE]`, the upstream with `message_stop`, and
// the harness takes one marker per scenario (truncation is covered by the tests instead).

import { baseGatewayConfig, benchAlias, upstreamApiKey } from '../gateway-config.js';
import type { GatewayConfigInput, Scenario } from '../scenario.js';

const anthropicModel = 'claude-sonnet-4-5';
const system = 'You are a terse assistant.';
const question = 'Name three colours of the rainbow, one word each.';

export const chatStreamOpenAIToAnthropicScenario: Scenario = {
  name: 'chat-stream-openai-to-anthropic',
  description: 'OpenAI chat completion, SSE stream with usage, openai → anthropic (translated)',
  stream: true,
  upstreamKind: 'anthropic',
  gatewayRequest: {
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${upstreamApiKey}` },
    body: JSON.stringify({
      model: benchAlias,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: question },
      ],
      max_tokens: 256,
      stream: true,
      stream_options: { include_usage: true },
    }),
  },
  upstreamRequest: {
    path: '/v1/messages',
    headers: {
      'content-type': 'application/json',
      'x-api-key': upstreamApiKey,
      'anthropic-version': '2026-10-21',
    },
    body: JSON.stringify({
      model: anthropicModel,
      max_tokens: 256,
      system,
      messages: [{ role: 'user', content: [{ type: 'text', text: question }] }],
      stream: true,
    }),
  },
  gatewayConfig: (input: GatewayConfigInput) => {
    // Everything the other scenarios turn on (tracing, metrics, …), with an Anthropic provider.
    const config = baseGatewayConfig({ ...input, upstreamKind: 'openai' });
    return {
      ...config,
      providers: {
        anthropic: { type: 'anthropic', baseUrl: input.upstreamUrl, apiKey: upstreamApiKey },
      },
      models: { [benchAlias]: [{ provider: 'anthropic', model: anthropicModel }] },
    };
  },
};
