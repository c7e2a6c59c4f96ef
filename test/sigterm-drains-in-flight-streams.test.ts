// SIGTERM during 100 in-flight streams loses none of them: a real `switchyard serve` child process
// against an emulator; while it drains, /readyz answers 503 and new API requests are refused with
// 503 service_draining; when the last stream is done the process exits 0.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { waitFor } from './helpers/wait-for.js';

const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const STREAMS = 100;
const messages = [
  { role: 'user' as const, content: 'one two three four five six seven eight nine ten' },
];

function requestOnNewConnection(
  url: string,
  method: string,
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method, agent: false, headers: body ? { 'content-type': 'application/json' } : {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('graceful shutdown', () => {
  let emulator: Emulator;
  let directory: string;

  before(async () => {
    emulator = await startEmulator({ kind: 'openai', name: 'upstream' });
    directory = await mkdtemp(join(tmpdir(), 'switchyard-drain-'));
  });

  after(async () => {
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('SIGTERM during 100 in-flight streams: all finish complete, /readyz 503 meanwhile, exit 0', async () => {
    // The expected answer, straight from the emulator (its replies are deterministic).
    const direct = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const expected = (await direct.chat.completions.create({ model: 'm', messages })).choices[0]
      ?.message.content;
    assert.ok(expected);

    const configPath = join(directory, 'switchyard.yaml');
    await writeFile(
      configPath,
      [
        'server: { host: 127.0.0.1, port: 0, drainTimeoutMs: 120000 }',
        'logging: { level: warn }',
        'providers:',
        `  upstream: { type: openai-compatible, baseUrl: "${emulator.url}/v1" }`,
        'models:',
        '  chat:',
        '    - { provider: upstream, model: m }',
        '',
      ].join('\n'),
    );
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, mainFile, 'serve', '--config', configPath],
      {
        cwd: directory,
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: Array<Record<string, unknown>> = [];
    let stderr = '';
    let buffer = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.trim().startsWith('{')) lines.push(JSON.parse(line));
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      await waitFor(
        () => lines.some((line) => typeof line.url === 'string'),
        20_000,
        `startup (${stderr})`,
      );
      const url = (lines.find((line) => typeof line.url === 'string') as { url: string }).url;
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });

      // Each stream takes several seconds upstream (a chunk every 400 ms), so they are still in
      // flight while the test checks /readyz, even on a busy machine.
      emulator.setFaults({ chunkDelayMs: 400 });
      let started = 0;
      const streams = Array.from({ length: STREAMS }, async () => {
        const stream = await client.chat.completions.create({
          model: 'chat',
          messages,
          stream: true,
        });
        let text = '';
        let finishReason: string | null = null;
        let first = true;
        for await (const chunk of stream) {
          if (first) {
            first = false;
            started += 1;
          }
          text += chunk.choices[0]?.delta.content ?? '';
          finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
        }
        return { text, finishReason };
      });
      const settled = Promise.allSettled(streams);
      await waitFor(() => started === STREAMS, 20_000, 'all streams started');

      child.kill('SIGTERM');
      // While draining: not ready, and no new work.
      // On new connections (the pooled ones of the streams' client go idle and are closed). The
      // signal is handled asynchronously: poll (bounded) until the gateway reports draining.
      // A connection accepted at the very moment the drain starts may be closed as idle with
      // the others: such a reset counts as "not answered yet", not as a failure.
      const probe = () =>
        requestOnNewConnection(`${url}/readyz`, 'GET').catch(() => ({
          status: 0,
          headers: {},
          body: '',
        }));
      let ready = await probe();
      for (let poll = 0; poll < 100 && ready.status !== 503; poll++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ready = await probe();
      }
      assert.equal(ready.status, 503);
      assert.deepEqual(JSON.parse(ready.body), { status: 'draining' });
      const refused = await requestOnNewConnection(
        `${url}/v1/chat/completions`,
        'POST',
        JSON.stringify({ model: 'chat', messages }),
      );
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.connection, 'close');
      assert.equal(
        (JSON.parse(refused.body) as { error: { code: string } }).error.code,
        'service_draining',
      );

      const results = await settled;
      const failures = results.filter((result) => result.status === 'rejected');
      assert.equal(
        failures.length,
        0,
        `lost streams: ${failures.map((failure) => String(failure.reason)).join('; ')}`,
      );
      for (const result of results) {
        assert.equal(result.status, 'fulfilled');
        assert.equal(result.value.finishReason, 'stop');
        assert.equal(result.value.text, expected);
      }
      assert.equal(await exited, 0, stderr);
      assert.ok(lines.some((line) => line.msg === 'stopped'));
      assert.equal(emulator.stats().aborted, 0, 'no upstream stream was cut');
    } finally {
      emulator.clearFaults();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
