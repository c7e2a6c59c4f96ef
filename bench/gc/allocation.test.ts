// The exact allocation count: the arithmetic over GCProfiler's before/after heap sizes, and the
// preload in a real server process, which must find what each request allocates across the
// scavenges that fall inside its window.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { requestTargetReport, signalTarget } from '../target-report.js';
import { allocatedBytes, allocationFile, type AllocationWindow } from './allocation.js';

const gc = (before: number, after: number) => ({
  gcType: 'Scavenge',
  beforeGC: { heapStatistics: { usedHeapSize: before } },
  afterGC: { heapStatistics: { usedHeapSize: after } },
});

describe('allocatedBytes', () => {
  it('adds the growth before each GC and after the last one', () => {
    // 100 → 900 (800 allocated), GC leaves 150; → 650 (500), GC leaves 120; → 400 at the end (280).
    assert.equal(allocatedBytes(100, [gc(900, 150), gc(650, 120)], 400), 1580);
  });

  it('is the growth of the used size when no GC came', () => {
    assert.equal(allocatedBytes(1000, [], 4500), 3500);
  });
});

const preload = join(fileURLToPath(new URL('.', import.meta.url)), 'allocation-preload.ts');

// Each request allocates a 64 KiB array of doubles (512 KiB on the heap) that dies with it.
const serverSource = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  const junk = new Array(65536).fill(0.5);
  res.end(String(junk.length));
});
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
`;

describe('allocation preload', () => {
  let server: ChildProcess;
  let url = '';

  before(async () => {
    server = spawn(
      process.execPath,
      [
        '--max-semi-space-size=4',
        '--import',
        'tsx',
        '--import',
        preload,
        '--input-type=module',
        '-e',
        serverSource,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    url = await new Promise<string>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`server exited (${code})`)));
      server.stdout!.setEncoding('utf8').once('data', (line: string) => resolve(line.trim()));
    });
  });

  after(() => {
    server.kill('SIGKILL');
  });

  async function window(requests: number): Promise<AllocationWindow> {
    const path = allocationFile(server.pid!);
    signalTarget(server.pid!, path);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let index = 0; index < requests; index += 1) {
      const answer = await request(url);
      assert.equal(await answer.body.text(), '65536');
    }
    return requestTargetReport<AllocationWindow>(server.pid!, path);
  }

  it('counts the requests of its window and what they allocated, across scavenges', async () => {
    const measured = await window(200);
    assert.equal(measured.requests, 200);
    // 200 × 512 KiB = 100 MiB through 4 MiB semi-spaces: many scavenges inside the window.
    assert.ok(measured.scavenges >= 10, `${measured.scavenges} scavenges`);
    const perRequest = measured.allocatedBytes / measured.requests;
    // The array's elements (8 bytes × 65,536), plus Node's own per-request objects.
    assert.ok(perRequest >= 512 * 1024, `${perRequest} bytes a request`);
    assert.ok(perRequest < 512 * 1024 + 64 * 1024, `${perRequest} bytes a request`);
  });

  it('opens a fresh window each time', async () => {
    const measured = await window(20);
    assert.equal(measured.requests, 20);
  });
});
