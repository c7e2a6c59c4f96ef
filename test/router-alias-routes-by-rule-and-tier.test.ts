// A router alias (`auto`): rules route by feature, metadata and request shape; otherwise the built-in
// classifier picks a tier and the tier's alias serves. The emulator that answered is asserted.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';

const names = ['small', 'mid', 'big', 'vision', 'toolsy', 'long', 'legal'] as const;
type Name = (typeof names)[number];

describe('router alias auto', () => {
  const upstreams = {} as Record<Name, Emulator>;
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    for (const name of names) upstreams[name] = await startEmulator({ kind: 'openai', name });
    const providers = Object.fromEntries(
      names.map((name) => [name, { type: 'openai', baseUrl: `${upstreams[name].url}/v1` }]),
    );
    const models = Object.fromEntries(
      names.map((name) => [`${name}-model`, [{ provider: name, model: `gpt-${name}` }]]),
    );
    gateway = await startGateway({
      providers,
      models,
      routing: {
        routers: {
          auto: {
            tiers: { trivial: 'small-model', moderate: 'mid-model', hard: 'big-model' },
            rules: [
              { name: 'vision', when: { images: true }, model: 'vision-model' },
              { name: 'tools', when: { tools: true }, model: 'toolsy-model' },
              { name: 'long-context', when: { minInputTokens: 3000 }, model: 'long-model' },
              { name: 'legal', when: { feature: 'contract-review' }, model: 'legal-model' },
              { name: 'enterprise', when: { metadata: { plan: ['enterprise'] } }, tier: 'hard' },
            ],
          },
        },
      },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await Promise.all(names.map((name) => upstreams[name].close()));
  });

  async function ask(
    body: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>,
    headers: Record<string, string> = {},
  ): Promise<{ answeredBy: Name; route: string }> {
    const before = Object.fromEntries(names.map((name) => [name, upstreams[name].requests.length]));
    const { response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], ...body }, { headers })
      .withResponse();
    const answered = names.filter((name) => upstreams[name].requests.length > before[name]!);
    assert.equal(answered.length, 1, `exactly one upstream answers (got ${answered.join(',')})`);
    return { answeredBy: answered[0]!, route: response.headers.get('x-switchyard-route') ?? '' };
  }

  it('sends a trivial question to the trivial tier', async () => {
    const { answeredBy, route } = await ask({
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    assert.equal(answeredBy, 'small');
    assert.match(
      route,
      /router=auto;tier=trivial;classifier=features;confidence=[\d.]+;alias=small-model/,
    );
  });

  it('sends an ordinary task to the moderate tier', async () => {
    const { answeredBy, route } = await ask({
      messages: [
        {
          role: 'user',
          content:
            'Write a short friendly email to a customer telling them their order ships on Monday.',
        },
      ],
    });
    assert.equal(answeredBy, 'mid');
    assert.match(route, /tier=moderate/);
  });

  it('sends a hard multi-step technical question to the hard tier', async () => {
    const { answeredBy, route } = await ask({
      messages: [
        {
          role: 'user',
          content:
            'Design a distributed rate limiter for a multi-region API. First, compare token bucket and ' +
            'sliding window algorithms and explain the trade-offs for consistency and latency. Then ' +
            'propose an architecture with Redis, analyse its failure modes, and finally write the Lua ' +
            'script that implements the atomic check-and-decrement.',
        },
      ],
    });
    assert.equal(answeredBy, 'big');
    assert.match(route, /tier=hard/);
  });

  it('routes requests with images to the vision alias', async () => {
    const { answeredBy, route } = await ask({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
      ],
    });
    assert.equal(answeredBy, 'vision');
    assert.equal(route, 'router=auto;rule=vision;alias=vision-model');
  });

  it('routes requests with tools to the tools alias', async () => {
    const { answeredBy } = await ask({
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', parameters: { type: 'object', properties: {} } },
        },
      ],
    });
    assert.equal(answeredBy, 'toolsy');
  });

  it('routes long prompts to the long-context alias', async () => {
    const { answeredBy, route } = await ask({
      messages: [{ role: 'user', content: 'Summarise this: ' + 'lorem ipsum dolor '.repeat(800) }],
    });
    assert.equal(answeredBy, 'long');
    assert.match(route, /rule=long-context/);
  });

  it('routes by feature (x-switchyard-feature)', async () => {
    const { answeredBy } = await ask({}, { 'x-switchyard-feature': 'contract-review' });
    assert.equal(answeredBy, 'legal');
  });

  it('routes by body metadata to a tier', async () => {
    const { answeredBy, route } = await ask({ metadata: { plan: 'enterprise' } });
    assert.equal(answeredBy, 'big');
    assert.equal(route, 'router=auto;rule=enterprise;tier=hard;alias=big-model');
  });

  it('routes Anthropic Messages requests to a router alias too', async () => {
    const before = upstreams.small.requests.length;
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'auto',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'What is the capital of Japan?' }],
      }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { type: string; content: Array<{ text: string }> };
    assert.equal(body.type, 'message');
    assert.equal(upstreams.small.requests.length, before + 1);
    assert.match(response.headers.get('x-switchyard-route') ?? '', /tier=trivial/);
  });

  it('lists the router alias in GET /v1/models', async () => {
    const models = await client.models.list();
    assert.ok(models.data.some((model) => model.id === 'auto'));
  });
});
