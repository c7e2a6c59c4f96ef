// Starts one target (emulator, bare proxy or gateway) in its own Node process, so that no two share
// an event loop with each other or with the load generator, and waits until it answers.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'undici';
import { baseExecArgv, entryPath, repoRoot, type ChildEntry } from './runtime.js';

export interface ChildOptions {
  name: string;
  entry: ChildEntry;
  args: string[];
  /** Extra Node flags (e.g. --cpu-prof). */
  execArgv?: string[];
  /**
   * 'stdout-url': the child prints its URL on a line of its own, first (emulator, bare proxy).
   * 'health': the child's stdout is discarded (the gateway's request log; see stdoutFile) and
   * `healthUrl` is polled.
   */
  ready: { type: 'stdout-url' } | { type: 'health'; url: string; healthPath: string };
  startTimeoutMs?: number;
  /** Also write the child's stdout to this file (a V8 trace, e.g. --trace-gc-nvp, prints there). */
  stdoutFile?: string;
}

export interface BenchChild {
  name: string;
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave a server running, even when the harness dies or is interrupted (a signal without
  // a handler would skip the 'exit' event).
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

/** A free loopback port (bound and released; fine on a loopback-only benchmark). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  // The generated config decides; an inherited override would skew the run.
  delete env.LOG_LEVEL;
  delete env.NODE_OPTIONS;
  return env;
}

export async function startChild(options: ChildOptions): Promise<BenchChild> {
  installExitHook();
  const stdoutMode = options.ready.type === 'stdout-url' || options.stdoutFile ? 'pipe' : 'ignore';
  const child = spawn(
    process.execPath,
    [...baseExecArgv, ...(options.execArgv ?? []), entryPath(options.entry), ...options.args],
    { cwd: repoRoot, env: childEnv(), stdio: ['ignore', stdoutMode, 'pipe'] },
  );
  running.add(child);
  if (options.stdoutFile) child.stdout?.pipe(createWriteStream(options.stdoutFile));
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  const died = exited.then((code) => {
    throw new Error(`${options.name} exited (code ${code}) before it was ready:\n${stderr}`);
  });
  died.catch(() => {});
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${options.name} not ready within ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs,
    );
  });
  const ready =
    options.ready.type === 'stdout-url'
      ? readUrlLine(child)
      : pollHealth(options.ready.url, options.ready.healthPath, exited);
  let url: string;
  try {
    url = await Promise.race([ready, died, timeout]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    name: options.name,
    url,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** The first stdout line that is a URL (a V8 trace such as --trace-gc-nvp may print before it). */
function readUrlLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let buffered = '';
    const stdout = child.stdout;
    if (!stdout) throw new Error('child has no stdout');
    stdout.setEncoding('utf8');
    const onData = (text: string) => {
      buffered += text;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!/^https?:\/\//.test(line)) continue;
        stdout.off('data', onData);
        // Keep draining (and discarding) whatever else it prints.
        stdout.resume();
        resolve(line);
        return;
      }
    };
    stdout.on('data', onData);
  });
}

async function pollHealth(
  url: string,
  healthPath: string,
  exited: Promise<unknown>,
): Promise<string> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (!gone) {
    try {
      const response = await request(url + healthPath);
      await response.body.dump();
      if (response.statusCode === 200) return url;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return url;
}
