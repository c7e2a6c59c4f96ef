// The segments preload in a real process: a tagged request's marks, noted through Node's and
// undici's diagnostics channels in a small proxy, come back on SIGUSR2 for every request of the
// tagged generator's round, on the generator's clock and in order.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runFixedRateRound } from '../load/run-fixed-rate.js';
import { joinMarks, segmentTagHeader, segmentsFile, type TargetMarks } from './segments.js';

const preload = join(fileURLToPath(new URL('.', import.meta.url)), 'segment-preload.ts');

// A pass-through server on undici: what the preload is loaded into.
const proxySource = `
import { createServer } from 'node:http';
import { request } from 'undici';
const upstream = process.env.UPSTREAM;
const server = createServer(async (req, res) => {
  for await (const _ of req);
  const answer = await request(upstream, { method: 'POST', body: '{}' });
  const body = await answer.body.text();
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
`;

describe('segment preload', () => {
  let upstream: Server;
  let proxy: ChildProcess;
  let proxyUrl = '';

  before(async () => {
    upstream = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    proxy = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', preload, '--input-type=module', '-e', proxySource],
      {
        env: { ...process.env, UPSTREAM: `http://127.0.0.1:${port}/` },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    proxyUrl = await new Promise<string>((resolve, reject) => {
      proxy.once('exit', (code) => reject(new Error(`proxy exited (${code})`)));
      proxy.stdout!.setEncoding('utf8').once('data', (line: string) => resolve(line.trim()));
    });
  });

  after(async () => {
    proxy.kill('SIGKILL');
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('notes each tagged request and writes the marks on SIGUSR2', async () => {
    const round = await runFixedRateRound({
      url: proxyUrl,
      request: { path: '/v1/chat/completions', headers: {}, body: '{}' },
      ratePerSecond: 200,
      durationMs: 300,
      warmupMs: 50,
      stream: false,
      tagHeader: segmentTagHeader,
    });
    assert.equal(round.errors, 0);
    const clientMarks = round.marks ?? [];
    assert.equal(clientMarks.length, round.sent);
    const path = segmentsFile(proxy.pid!);
    rmSync(path, { force: true });
    proxy.kill('SIGUSR2');
    for (let tries = 0; tries < 200 && !existsSync(path); tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const targetMarks = JSON.parse(readFileSync(path, 'utf8')) as TargetMarks[];
    rmSync(path, { force: true });
    // The warm-up's requests are noted too; the measured ones all join.
    assert.equal(targetMarks.length, round.totalSent);
    const rows = joinMarks(clientMarks, targetMarks);
    assert.equal(rows.length, clientMarks.length);
    for (const row of rows) {
      // One clock on both sides: every mark after the one before it, but for the response's
      // 'finish', which Node emits after the write's callback: the client may have the bytes first.
      for (const [name, value] of Object.entries(row.segments)) {
        if (name !== 'leave') assert.ok(value >= 0, `${name} is ${value}`);
      }
      assert.ok(row.segments.leave > -50, `leave is ${row.segments.leave}`);
      assert.ok(row.latency < 1000);
    }
  });
});
