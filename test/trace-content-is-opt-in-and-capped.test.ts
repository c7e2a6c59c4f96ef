// Prompt and response text reach the trace row only when traces.content.enabled is set, each cut
// at traces.content.maxBytes (on a character boundary).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { createTraceTarget, type TraceTarget } from './helpers/trace-database.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';

describe('trace content capture', () => {
  let emulator: Emulator;
  let target: TraceTarget;
  let gateway: TestGateway;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai' });
    target = await createTraceTarget('postgres');
    gateway = await startGateway(
      configFor(
        { upstream: { baseUrl: `${emulator.url}/v1` } },
        { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
        {
          database: target.database,
          traces: {
            flushIntervalMs: 50,
            spoolDir: target.spoolDir,
            content: { enabled: true, maxBytes: 64 },
          },
        },
      ),
    );
  });

  after(async () => {
    await gateway?.close();
    await emulator?.close();
    await target?.cleanup();
  });

  it('stores capped prompt and response text when opted in', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const prompt = `Überlange Frage ${'ä'.repeat(100)}`;
    await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: prompt }],
    });
    const stream = await client.chat.completions.create({
      model: 'fast',
      stream: true,
      messages: [{ role: 'user', content: 'short' }],
    });
    for await (const _chunk of stream) void _chunk;
    const database = await target.open();
    try {
      // The trace store connects and migrates in the background; rows written before it is ready
      // wait in the spool. Wait for both rows rather than racing the first start under load.
      const select = () =>
        database.query<{
          streamed: boolean;
          prompt_text: string | null;
          response_text: string | null;
        }>('SELECT streamed, prompt_text, response_text FROM llm_traces ORDER BY time');
      const deadline = Date.now() + 30_000;
      let { rows } = await select().catch(() => ({ rows: [] as never[] }));
      while (rows.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ({ rows } = await select().catch(() => ({ rows: [] as never[] })));
      }
      await gateway.close();
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.ok(row.prompt_text !== null && row.response_text !== null);
        assert.ok(Buffer.byteLength(row.prompt_text) <= 64, row.prompt_text);
        assert.ok(row.response_text.length <= 64);
        assert.ok(!row.prompt_text.includes('\uFFFD'), 'cut on a character boundary');
      }
      assert.match(rows[0]?.prompt_text ?? '', /Überlange/);
      assert.match(rows[1]?.response_text ?? '', /^data: /);
    } finally {
      await database.close();
    }
  });
});
