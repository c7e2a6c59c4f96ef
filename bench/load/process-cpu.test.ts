import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { descendantPids, readCommandCpuMs, readProcessCpuMs } from './process-cpu.js';

/** A child that burns ~400 ms of CPU, says so on stdout, and stays alive until killed. */
function startBusyChild(title?: string) {
  const named = title === undefined ? '' : `process.title = ${JSON.stringify(title)}; `;
  return spawn(
    process.execPath,
    [
      '-e',
      `${named}const end = Date.now() + 400; while (Date.now() < end); console.log("done"); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

describe('readProcessCpuMs', () => {
  it(
    "counts a process's children (the gateway's embedded databases run in them)",
    { skip: !existsSync('/proc/self/stat') },
    async () => {
      const child = startBusyChild();
      try {
        const before = readProcessCpuMs(process.pid)!;
        await once(createInterface({ input: child.stdout }), 'line');
        assert.ok(descendantPids(process.pid).includes(child.pid!), 'the child is found');
        const after = readProcessCpuMs(process.pid)!;
        // This process only waited meanwhile: most of the difference is the child's.
        assert.ok(after - before >= 300, `counted ${after - before} ms`);
      } finally {
        child.kill();
        await once(child, 'exit');
      }
    },
  );
});

describe('readCommandCpuMs', () => {
  it(
    'sums the CPU of the processes of one command name (a database server the bench did not start)',
    { skip: !existsSync('/proc/self/stat') },
    async () => {
      assert.equal(readCommandCpuMs('sy-no-such-cmd'), 0);
      // Named by its title (Linux: its command name).
      const child = startBusyChild('sy-cpu-probe');
      try {
        await once(createInterface({ input: child.stdout }), 'line');
        const counted = readCommandCpuMs('sy-cpu-probe')!;
        assert.ok(counted >= 300 && counted < 5000, `counted ${counted} ms`);
      } finally {
        child.kill();
        await once(child, 'exit');
      }
    },
  );
});
