// `switchyard serve` with no config and no keys starts in demo mode, says so, answers the README's
// examples, and exits 0 on SIGTERM. Its log is buffered (create-logger.ts: 4 KB writes or every
// 100 ms): a lone request's line still shows up while it runs, and the last lines at exit.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { waitFor } from './helpers/wait-for.js';
import { gatewayNodeFlags } from '../src/cli/node-flags.js';

const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

describe('switchyard serve', () => {
  it('starts in demo mode with no config, serves the default aliases and drains on SIGTERM', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'switchyard-demo-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' };
    const child = spawn(
      process.execPath,
      // Started as `npm start` starts it: with the gateway's V8 flags.
      [...gatewayNodeFlags, '--import', tsxLoader, mainFile, 'serve', '--port', '0'],
      {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: Array<Record<string, unknown>> = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) lines.push(JSON.parse(line));
    });
    // 'close': the exit code once stdout has ended too (the lines flushed at exit included).
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    try {
      await waitFor(
        () => lines.some((line) => typeof line.url === 'string'),
        15_000,
        `startup (${stderr})`,
      );
      const banner = lines.find((line) => typeof line.url === 'string') as {
        url: string;
        msg: string;
        semiSpaceMb: unknown;
        v8FlagsSetAtRunTime?: unknown;
      };
      assert.match(banner.msg, /DEMO MODE/);
      // The start-up line reports the young generation the launcher gave it (docs/deploy.md).
      assert.equal(banner.semiSpaceMb, 64);
      assert.equal(banner.v8FlagsSetAtRunTime, undefined, 'the launcher gave every flag');
      assert.match(banner.msg, /OPENAI_API_KEY/);
      const client = new OpenAI({ baseURL: `${banner.url}/v1`, apiKey: 'anything', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello' }],
      });
      assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
      const health = await fetch(`${banner.url}/healthz`);
      assert.equal(health.status, 200);
      await waitFor(
        () => lines.some((line) => line.msg === 'request' && line.status === 200),
        2_000,
        'the request log line while no other traffic comes',
      );
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(lines.at(-1)?.msg, 'stopped', 'the shutdown lines are written before the exit');
  });

  it('started without the Node flags (npx switchyard serve), sets the GC flag V8 takes at run time', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'switchyard-noflags-'));
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, mainFile, 'serve', '--port', '0'],
      { cwd, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => stdout.includes('"url"'), 15_000, `startup (${stderr})`);
      const banner = JSON.parse(stdout.split('\n').find((line) => line.includes('"url"'))!) as {
        semiSpaceMb: unknown;
        v8FlagsSetAtRunTime: unknown;
      };
      assert.equal(banner.semiSpaceMb, 'default');
      assert.deepEqual(banner.v8FlagsSetAtRunTime, [
        '--no-allocation-site-pretenuring',
        '--heap-growing-percent=100',
      ]);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
  });

  it('refuses to start with an invalid config and names the bad key', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'switchyard-bad-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(cwd, 'switchyard.yaml'),
      'providers:\n  openai: { type: openai, baseUrl: "https://api.openai.com/v1" }\nmodels:\n  fast:\n    - { provider: opanai, model: gpt-4o-mini }\n',
    );
    const child = spawn(process.execPath, ['--import', tsxLoader, mainFile, 'check-config'], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(
      stderr,
      /models\.fast\[0\]\.provider: unknown provider "opanai" \(known: openai\)/,
    );
  });
});
