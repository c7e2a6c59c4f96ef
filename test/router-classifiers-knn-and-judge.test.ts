// The pluggable classifiers behind a router alias: embedding kNN trained from the shipped labelled
// file, and an LLM judge (an alias asked to grade difficulty) that falls back to the built-in
// classifier when it is too slow or answers something unreadable.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

const tiers = ['small', 'mid', 'big'] as const;

describe('router classifiers', () => {
  const upstreams = {} as Record<(typeof tiers)[number], Emulator>;
  let judge: Emulator;
  let embeddings: Emulator;
  let gateway: TestGateway;

  before(async () => {
    for (const name of tiers) upstreams[name] = await startEmulator({ kind: 'openai', name });
    judge = await startEmulator({ kind: 'openai', name: 'judge' });
    embeddings = await startEmulator({ kind: 'vllm', name: 'embeddings', recordRequests: false });
    const router = (classifier: Record<string, unknown>) => ({
      tiers: { trivial: 'small', moderate: 'mid', hard: 'big' },
      classifier,
    });
    gateway = await startGateway({
      providers: {
        ...Object.fromEntries(
          tiers.map((name) => [name, { type: 'openai', baseUrl: `${upstreams[name].url}/v1` }]),
        ),
        judge: { type: 'openai', baseUrl: `${judge.url}/v1` },
        embedder: { type: 'openai-compatible', baseUrl: `${embeddings.url}/v1` },
      },
      models: {
        ...Object.fromEntries(
          tiers.map((name) => [name, [{ provider: name, model: `gpt-${name}` }]]),
        ),
        grader: [{ provider: 'judge', model: 'gpt-judge' }],
        embed: [{ provider: 'embedder', model: 'emulator-model' }],
      },
      routing: {
        routers: {
          knn: router({
            type: 'knn',
            examples: 'src/routing/eval/labelled-prompts.jsonl',
            k: 5,
          }),
          judged: router({ type: 'llm-judge', model: 'grader', timeoutMs: 300 }),
          'knn-model': router({
            type: 'knn',
            examples: 'src/routing/eval/holdout-prompts.jsonl',
            k: 3,
            embedder: { type: 'model', model: 'embed', timeoutMs: 10_000 },
          }),
        },
      },
    });
  });

  after(async () => {
    await gateway.close();
    await Promise.all([
      ...tiers.map((name) => upstreams[name].close()),
      judge.close(),
      embeddings.close(),
    ]);
  });

  async function ask(model: string, content: string) {
    const counts = tiers.map((name) => upstreams[name].requests.length);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
    assert.equal(response.status, 200);
    const answered = tiers.filter(
      (name, index) => upstreams[name].requests.length > counts[index]!,
    );
    assert.equal(answered.length, 1);
    return { answeredBy: answered[0]!, route: response.headers.get('x-switchyard-route') ?? '' };
  }

  it('knn: a near-copy of a labelled trivial prompt goes to the trivial tier', async () => {
    const { answeredBy, route } = await ask('knn', 'What is the capital city of Australia?');
    assert.equal(answeredBy, 'small');
    assert.match(route, /classifier=knn/);
  });

  it('knn: a near-copy of a labelled hard prompt goes to the hard tier', async () => {
    const { answeredBy } = await ask(
      'knn',
      'Prove that there are infinitely many primes, and then that infinitely many primes have the form 4k+3.',
    );
    assert.equal(answeredBy, 'big');
  });

  it('knn with an embeddings alias: trained and queried through the gateway providers', async () => {
    let embedded = 0;
    const count = () => embedded++;
    embeddings.on('request', count);
    const { route } = await ask('knn-model', 'Who wrote Hamlet?');
    embeddings.off('request', count);
    assert.match(route, /classifier=knn;/);
    assert.ok(embedded >= 1, 'the request itself was embedded by the embeddings alias');
  });

  it('knn: an embedder that fails falls back to the built-in classifier', async () => {
    embeddings.setFaults({ status: 500, path: '/v1/embeddings' });
    const { answeredBy, route } = await ask('knn-model', 'What is the capital of France?');
    embeddings.clearFaults();
    assert.equal(answeredBy, 'small');
    assert.match(route, /classifier=features\(knn-error\)/);
  });

  it('llm-judge: the judge grade decides the tier', async () => {
    judge.setFaults({ reply: 'hard', path: '/v1/chat/completions' });
    const judged = judge.requests.length;
    const { answeredBy, route } = await ask('judged', 'What is the capital of France?');
    judge.clearFaults();
    assert.equal(answeredBy, 'big');
    assert.match(route, /tier=hard;classifier=llm-judge;confidence=0\.85/);
    const asked = judge.requests[judged]!.body as { messages: Array<{ content: string }> };
    assert.match(asked.messages[0]!.content, /trivial, moderate or hard/);
    assert.equal(asked.messages[1]!.content, 'What is the capital of France?');
  });

  it('llm-judge: a judge slower than its timeout falls back to the built-in classifier', async () => {
    judge.setFaults({ latencyMs: 2_000, path: '/v1/chat/completions' });
    const { answeredBy, route } = await ask('judged', 'What is the capital of France?');
    judge.clearFaults();
    assert.equal(answeredBy, 'small');
    assert.match(route, /classifier=features\(judge-timeout\)/);
  });

  it('llm-judge: an unreadable grade falls back too', async () => {
    judge.setFaults({ reply: 'I cannot say.', path: '/v1/chat/completions' });
    const { route } = await ask('judged', 'What is the capital of France?');
    judge.clearFaults();
    assert.match(route, /classifier=features\(judge-unreadable\)/);
  });
});
