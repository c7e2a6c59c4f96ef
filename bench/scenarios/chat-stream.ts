// Scenario: OpenAI chat completion streamed (SSE), OpenAI client → OpenAI-style upstream (fast path).

import { benchAlias, upstreamApiKey, upstreamModel } from '../gateway-config.js';
import type { Scenario } from '../scenario.js';

const messages = [
  { role: 'system', content: 'You are a terse assistant.' },
  { role: 'user', content: 'Name three colours of the rainbow, one word each.' },
];

function request(model: string): Scenario['gatewayRequest'] {
  return {
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${upstreamApiKey}` },
    body: JSON.stringify({
      model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    }),
  };
}

export const chatStreamScenario: Scenario = {
  name: 'chat-stream',
  description: 'OpenAI chat completion, SSE stream with usage, openai → openai (passthrough)',
  stream: true,
  upstreamKind: 'openai',
  gatewayRequest: request(benchAlias),
  upstreamRequest: request(upstreamModel),
  streamEndMarker: 'data: [DONE]\n\n',
};
