// Every benchmark scenario, in run order. A new scenario is one file in this folder plus one line
// in this list (see BENCHMARKS.md, "Adding a scenario").

import type { Scenario } from '../scenario.js';
import { chatStreamOpenAIToAnthropicScenario } from './chat-stream-openai-to-anthropic.js';
import { chatStreamScenario } from './chat-stream.js';
import { chatScenario } from './chat.js';

export const allScenarios: readonly Scenario[] = [
  chatScenario,
  chatStreamScenario,
  chatStreamOpenAIToAnthropicScenario,
];
