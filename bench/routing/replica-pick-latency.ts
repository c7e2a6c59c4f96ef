// CPU cost of choosing a replica (prefix hashing + index lookup + record) for prompts of several
// sizes, on a pool of 4 replicas whose index already holds 2,000 conversations.
// Run: node --import tsx bench/routing/replica-pick-latency.ts

import { Pool } from 'undici';
import { replicaPoolSchema } from '../../src/config/routing-schema.js';
import type { ChatMessage } from '../../src/core/index.js';
import { createReplicaPool } from '../../src/upstream/replica-pool.js';

const dispatchers = [0, 1, 2, 3].map(() => new Pool('http://127.0.0.1:9'));
const pool = createReplicaPool({
  name: 'bench',
  replicas: dispatchers.map((dispatcher, index) => ({
    url: `http://replica-${index}/v1`,
    dispatcher,
  })),
  config: replicaPoolSchema.parse({ health: { enabled: false }, discoverModels: false }),
});

function conversation(id: number, turns: number, turnChars: number): ChatMessage[] {
  const messages: ChatMessage[] = [
    {
      role: 'system',
      content: [{ type: 'text', text: 'You are a helpful assistant. '.repeat(20) }],
    },
  ];
  for (let turn = 0; turn < turns; turn++) {
    const text =
      `Conversation ${id} turn ${turn}: ` + 'lorem ipsum dolor sit amet '.repeat(turnChars / 27);
    messages.push({ role: 'user', content: [{ type: 'text', text }] });
    messages.push({
      role: 'assistant',
      content: [{ type: 'text', text: `Answer ${turn} ${text}` }],
    });
  }
  return messages;
}

function pickAndRecord(messages: ChatMessage[]): void {
  const result = pool.pick({ model: 'm', messages, salt: 'tenant' });
  if (result.type === 'chosen') pool.acquire(result.choice.replica, result.prefix, true)();
}

for (let id = 0; id < 2_000; id++) pickAndRecord(conversation(id, 2, 200));
const cases: Array<[string, ChatMessage[]]> = [
  ['1 turn, ~0.8 KB', conversation(5_000, 1, 200)],
  ['5 turns, ~5 KB', conversation(5_001, 5, 400)],
  ['20 turns, ~40 KB (first 16 KB hashed)', conversation(5_002, 20, 1_000)],
];
console.log(`node ${process.version}, ${new Date().toISOString()}`);
for (const [name, messages] of cases) {
  for (let index = 0; index < 500; index++) pickAndRecord(messages);
  const runs = 3_000;
  const cpuBefore = process.cpuUsage();
  for (let index = 0; index < runs; index++) pickAndRecord(messages);
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `${name.padEnd(40)} cpu ${((cpu.user + cpu.system) / runs).toFixed(1).padStart(6)} µs per pick`,
  );
}
pool.close();
await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
