// Scenario: OpenAI chat completion, not streamed, OpenAI client → OpenAI-style upstream (fast path).

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
    body: JSON.stringify({ model, messages }),
  };
}

export const chatScenario: Scenario = {
  name: 'chat',
  description: 'OpenAI chat completion, non-stream, openai → openai (passthrough)',
  stream: false,
  upstreamKind: 'openai',
  gatewayRequest: request(benchAlias),
  upstreamRequest: request(upstreamModel),
};
