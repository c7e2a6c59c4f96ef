// The embedded database in a child process: a new directory is created by a child that then ends
// (its initdb memory goes with it), and the database a fresh child opens has what was created.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openPgliteInChildProcess, pgliteChildNiceness } from './pglite-client.js';

/** Ended: no entry in /proc, or a zombie waiting for whatever adopted it to reap it. */
function ended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('openPgliteInChildProcess', () => {
  it('creates a new database in a child of its own, then serves it from a fresh child; an existing one opens once', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'switchyard-pglite-client-'));
    const dir = join(parent, 'db');
    try {
      let created = 0;
      const first = await openPgliteInChildProcess(dir, { onCreated: () => (created += 1) });
      assert.equal(created, 1);
      assert.ok(existsSync(join(dir, 'PG_VERSION')));
      await first.exec('CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (7)');
      await first.close();

      const second = await openPgliteInChildProcess(dir, { onCreated: () => (created += 1) });
      try {
        assert.equal(created, 1, 'an existing database is not created again');
        const { rows } = await second.query<{ id: number }>('SELECT id FROM kept');
        assert.deepEqual(rows, [{ id: 7 }]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it(
    'serves from a child process at a lower CPU priority than the gateway, which ends when closed (Linux)',
    { skip: !existsSync('/proc/self/task') },
    async () => {
      // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value.
      const niceOf = (pid: number, tid: string) => {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const own = niceOf(process.pid, String(process.pid));
      let child = 0;
      const database = await openPgliteInChildProcess('memory://', {
        onServing: (pid) => (child = pid),
      });
      try {
        assert.ok(child > 0 && child !== process.pid, 'served by another process');
        const { rows } = await database.query<{ one: number }>('SELECT 1 AS one');
        assert.deepEqual(rows, [{ one: 1 }]);
        // A process already at that niceness or lower priority (a niced CI job) has no lower
        // priority to give the child.
        if (own < pgliteChildNiceness) {
          const threads = readdirSync(`/proc/${child}/task`).map((tid) => niceOf(child, tid));
          assert.ok(
            threads.every((nice) => nice === pgliteChildNiceness),
            `every thread of the child at ${pgliteChildNiceness}: ${threads.join(' ')}`,
          );
          assert.equal(niceOf(process.pid, String(process.pid)), own, 'the gateway keeps its own');
        }
      } finally {
        await database.close();
      }
      assert.ok(!existsSync(`/proc/${child}`), 'the child has ended once closed');
    },
  );

  it("runs with the shared_buffers it is given, else PostgreSQL's 128 MB", async () => {
    const sized = await openPgliteInChildProcess('memory://', { sharedBuffersMb: 24 });
    try {
      const { rows } = await sized.query<{ shared_buffers: string }>('SHOW shared_buffers');
      assert.deepEqual(rows, [{ shared_buffers: '24MB' }]);
    } finally {
      await sized.close();
    }
    const plain = await openPgliteInChildProcess('memory://');
    try {
      const { rows } = await plain.query<{ shared_buffers: string }>('SHOW shared_buffers');
      assert.deepEqual(rows, [{ shared_buffers: '128MB' }]);
    } finally {
      await plain.close();
    }
  });

  it('keeps an in-memory database in one process (nothing to reopen)', async () => {
    let created = 0;
    const database = await openPgliteInChildProcess('memory://', {
      onCreated: () => (created += 1),
    });
    try {
      assert.equal(created, 0);
      const { rows } = await database.query<{ one: number }>('SELECT 1 AS one');
      assert.deepEqual(rows, [{ one: 1 }]);
    } finally {
      await database.close();
    }
  });

  it('tells its owner when its child dies unclosed, then refuses every statement', async () => {
    let child = 0;
    const database = await openPgliteInChildProcess('memory://', {
      onServing: (pid) => (child = pid),
    });
    const lost = new Promise<Error>((resolve) => database.onLost?.(resolve));
    // An idle child does not keep the process alive (a gateway's server does): this timer does.
    const alive = setInterval(() => undefined, 1000);
    process.kill(child, 'SIGKILL');
    const error = await lost.finally(() => clearInterval(alive));
    assert.match(error.message, /exited \(SIGKILL\)/);
    await assert.rejects(database.query('SELECT 1'), /exited/);
    await database.close();
  });

  it('copies rows that scavenges free once the COPY is done (not held until a mark-compact)', async () => {
    // Sent inside an IPC message, the parts stayed reachable until a mark-compact: every trace
    // batch's bytes piled up outside the heap (BENCHMARKS.md, twenty-third session). Written to the
    // data pipe, scavenges after the COPY free what a mark-compact would. A process of its own with
    // a fixed 64 MB young generation, so that no scavenge runs (and ages the parts) during the
    // copies; batches of ~360 KB, as the gateway's are at 1,000 req/s (IPC messages of ~150 KB
    // were freed by scavenges even before).
    const script = `import(${JSON.stringify(new URL('./pglite-client.ts', import.meta.url).href)}).then(async (m) => {
      const database = await m.openPgliteInChildProcess('memory://');
      await database.exec('CREATE TABLE copied (line text)');
      const arrayBuffers = () => process.memoryUsage().arrayBuffers;
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      gc();
      await turn();
      const before = arrayBuffers();
      let copied = 0;
      for (let batch = 0; batch < 5; batch += 1) {
        const parts = [0, 1, 2, 3].map((part) => {
          const lines = Array.from({ length: 2000 }, (_, row) => batch + '.' + part + '.' + row + ' ' + 'é€😀'.repeat(4));
          return Buffer.from(lines.join('\\n') + '\\n');
        });
        copied += parts.reduce((sum, part) => sum + part.length, 0);
        // A string part too: its UTF-8 length, not its length in characters, is what crosses.
        await database.copyFrom("COPY copied (line) FROM '/dev/blob'", [...parts, batch + ' ü\\n']);
      }
      for (let scavenge = 0; scavenge < 3; scavenge += 1) {
        gc({ type: 'minor' });
        await turn();
      }
      const afterScavenges = arrayBuffers() - before;
      gc();
      await turn();
      const afterMarkCompact = arrayBuffers() - before;
      const { rows } = await database.query(
        "SELECT count(*)::int AS count, max(line) FILTER (WHERE line LIKE '4.3.%') AS last, " +
          "count(*) FILTER (WHERE line = '4 ü')::int AS strings FROM copied",
      );
      await database.close();
      console.log(JSON.stringify({ copied, afterScavenges, afterMarkCompact, rows }));
    });`;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--expose-gc',
        '--min-semi-space-size=64',
        '--max-semi-space-size=64',
        '--input-type=module',
        '-e',
        script,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const { copied, afterScavenges, afterMarkCompact, rows } = JSON.parse(line) as {
      copied: number;
      afterScavenges: number;
      afterMarkCompact: number;
      rows: unknown[];
    };
    assert.deepEqual(rows, [{ count: 40_005, last: `4.3.999 ${'é€😀'.repeat(4)}`, strings: 1 }]);
    const onlyMarkCompactFrees = afterScavenges - afterMarkCompact;
    assert.ok(
      onlyMarkCompactFrees < copied / 10,
      `${(onlyMarkCompactFrees / 1e6).toFixed(2)} MB of the ${(copied / 1e6).toFixed(2)} MB copied freed only by a mark-compact`,
    );
  });

  it('ends its child when the process that opened it dies without closing it', async () => {
    // A gateway killed with SIGKILL: its child sees the channel close, closes PGlite and ends.
    const script = `import(${JSON.stringify(new URL('./pglite-client.ts', import.meta.url).href)}).then(async (m) => {
      await m.openPgliteInChildProcess('memory://', { onServing: (pid) => console.log(pid) });
      setInterval(() => undefined, 1000);
    });`;
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
    const child = Number(line);
    assert.ok(child > 0 && existsSync(`/proc/${child}`), `child ${line} running`);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    for (let waited = 0; !ended(child) && waited < 10_000; waited += 50) await sleep(50);
    assert.ok(ended(child), 'the orphaned child ended within 10 s');
  });

  it('an orphaned child finishes the statement in hand and ends without an error', async () => {
    // The gateway killed mid-batch: the child's answer finds the channel gone. Sending it used to
    // throw EPIPE as an uncaught error, which killed the child before it closed the database.
    const script = `import(${JSON.stringify(new URL('./pglite-client.ts', import.meta.url).href)}).then(async (m) => {
      const database = await m.openPgliteInChildProcess('memory://', { onServing: (pid) => console.log(pid) });
      database.query('SELECT count(*) FROM generate_series(1, 3000000)').catch(() => undefined);
      setTimeout(() => console.log('sent'), 100);
      setInterval(() => undefined, 1000);
    });`;
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // The child inherits the parent's stderr: what either writes there arrives here.
    let stderr = '';
    parent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: parent.stdout });
    const [line] = (await once(lines, 'line')) as [string];
    const child = Number(line);
    await once(lines, 'line');
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    for (let waited = 0; !ended(child) && waited < 20_000; waited += 50) await sleep(50);
    assert.ok(ended(child), 'the orphaned child ended within 20 s');
    await sleep(100);
    assert.doesNotMatch(stderr, /EPIPE|Error/, 'no uncaught error in the child');
  });
});
