// Every provider (openai, anthropic, bedrock) cuts a hanging upstream with the right timeout and
// the chain falls back: a hang before the headers or after them but before the first event is a
// TTFT timeout for a stream and the total timeout for a non-stream answer; a hang mid-stream is
// the idle timeout (after the first byte: an error to the client). A first token slower than the
// idle timeout but within TTFT is not cut.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator, type FaultPlan } from '../emulator/index.js';
import type { AttemptRecord } from '../src/pipeline/request-context.js';
import { subscribeRequestFinished, type RequestFinishedEvent } from '../src/telemetry/events.js';
import { startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

const AWS = {
  region: 'us-east-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
// TTFT well above the slow-first-token case (500 ms), idle well below it: a first token slower
// than `idleMs` must still not be cut. Margins are wide for a loaded machine.
const timeouts = { firstByteMs: 1500, idleMs: 300, totalMs: 2500 };
const messages = [{ role: 'user' as const, content: 'one two three four five six' }];
const kinds = ['openai', 'anthropic', 'bedrock'] as const;

describe('timeouts cut hangs in every provider', () => {
  const upstreams = new Map<string, Emulator>();
  let backup: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;
  const finished: RequestFinishedEvent[] = [];
  let unsubscribe: () => void;

  before(async () => {
    for (const kind of kinds) upstreams.set(kind, await startEmulator({ kind, name: kind }));
    backup = await startEmulator({ kind: 'openai', name: 'backup' });
    const url = (kind: string) => upstreams.get(kind)?.url ?? '';
    gateway = await startGateway({
      providers: {
        openai: { type: 'openai', baseUrl: `${url('openai')}/v1` },
        anthropic: { type: 'anthropic', baseUrl: url('anthropic'), apiKey: 'sk-ant' },
        bedrock: { type: 'bedrock', baseUrl: url('bedrock'), ...AWS },
        backup: { type: 'openai', baseUrl: `${backup.url}/v1` },
      },
      models: {
        openai: [
          { provider: 'openai', model: 'gpt-4o-mini', timeouts },
          { provider: 'backup', model: 'b' },
        ],
        anthropic: [
          { provider: 'anthropic', model: 'claude-sonnet-4-5', timeouts },
          { provider: 'backup', model: 'b' },
        ],
        bedrock: [
          { provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0', timeouts },
          { provider: 'backup', model: 'b' },
        ],
      },
      resilience: { retries: { maxRetries: 0 }, breaker: { enabled: false } },
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    unsubscribe = subscribeRequestFinished((event) => finished.push(event));
  });

  afterEach(() => {
    for (const upstream of upstreams.values()) upstream.clearFaults();
  });

  after(async () => {
    unsubscribe();
    await gateway.close();
    for (const upstream of upstreams.values()) await upstream.close();
    await backup.close();
  });

  async function attemptsOf(requestId: string | null): Promise<AttemptRecord[]> {
    await waitFor(
      () => finished.some((event) => event.context.requestId === requestId),
      3000,
      'request finished',
    );
    return finished.find((event) => event.context.requestId === requestId)?.context.attempts ?? [];
  }

  const summary = (attempts: AttemptRecord[]) =>
    attempts.map((attempt) => `${attempt.provider}:${attempt.errorKind ?? 'ok'}`);

  const cases: Array<{ name: string; fault: FaultPlan; stream: boolean; kind: string }> = [
    {
      name: 'hang before headers',
      fault: { hang: 'before-headers' },
      stream: true,
      kind: 'ttft_timeout',
    },
    {
      name: 'hang after headers',
      fault: { hang: 'after-headers' },
      stream: true,
      kind: 'ttft_timeout',
    },
    {
      name: 'hang before headers',
      fault: { hang: 'before-headers' },
      stream: false,
      kind: 'timeout',
    },
  ];

  for (const kind of kinds) {
    for (const testCase of cases) {
      it(`${kind}: ${testCase.name} (${testCase.stream ? 'stream' : 'non-stream'}) → ${testCase.kind}, served by the next deployment`, async () => {
        upstreams.get(kind)?.setFaults(testCase.fault);
        let requestId: string | null;
        if (testCase.stream) {
          const { data, response } = await client.chat.completions
            .create({ model: kind, messages, stream: true })
            .withResponse();
          let text = '';
          for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
          assert.ok(text.length > 0);
          requestId = response.headers.get('x-switchyard-request-id');
          assert.equal(response.headers.get('x-switchyard-provider'), 'backup');
        } else {
          const { response } = await client.chat.completions
            .create({ model: kind, messages })
            .withResponse();
          requestId = response.headers.get('x-switchyard-request-id');
          assert.equal(response.headers.get('x-switchyard-provider'), 'backup');
        }
        assert.deepEqual(summary(await attemptsOf(requestId)), [
          `${kind}:${testCase.kind}`,
          'backup:ok',
        ]);
      });
    }

    it(`${kind}: a hang mid-stream is cut by the idle timeout and reaches the client as an error`, async () => {
      upstreams.get(kind)?.setFaults({ hang: 'mid-stream', chunkDelayMs: 20 });
      const { data, response } = await client.chat.completions
        .create({ model: kind, messages, stream: true })
        .withResponse();
      await assert.rejects(async () => {
        for await (const _chunk of data) {
          // drain until the error event
        }
      }, OpenAI.APIError);
      assert.deepEqual(summary(await attemptsOf(response.headers.get('x-switchyard-request-id'))), [
        `${kind}:idle_timeout`,
      ]);
    });

    it(`${kind}: a first token slower than the idle timeout but within TTFT is not cut`, async () => {
      upstreams.get(kind)?.setFaults({ ttftMs: 500 });
      const { data, response } = await client.chat.completions
        .create({ model: kind, messages, stream: true })
        .withResponse();
      let text = '';
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      assert.ok(text.length > 0);
      assert.equal(response.headers.get('x-switchyard-provider'), kind);
    });
  }
});
