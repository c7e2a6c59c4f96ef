// The three targets of a scenario, each in its own process: the emulator (one per kind, shared),
// the bare proxy in front of it, and the gateway (one per distinct config; one alive at a time).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { EmulatorKind } from '../emulator/index.js';
import { gatewayNodeFlags } from '../src/cli/node-flags.js';
import { baseGatewayConfig } from './gateway-config.js';
import type { Scenario } from './scenario.js';
import { findFreePort, startChild, type BenchChild } from './start-child.js';

export interface TargetSetOptions {
  /** Extra Node flags for the gateway process (e.g. --cpu-prof). */
  gatewayExecArgv?: string[];
  /** Extra Node flags for the bare proxy process (bench:segments' preload). */
  proxyExecArgv?: string[];
  /** PostgreSQL for the gateway's trace store; default embedded PGlite in a temp directory. */
  databaseUrl?: string;
  log: (line: string) => void;
}

export interface ScenarioTargets {
  emulator: BenchChild;
  bareProxy: BenchChild;
  gateway: BenchChild;
}

export interface TargetSet {
  forScenario(scenario: Scenario): Promise<ScenarioTargets>;
  close(): Promise<void>;
}

export function createTargetSet(options: TargetSetOptions): TargetSet {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  // Also on an interrupted run (start-child turns SIGINT/SIGTERM into an exit).
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeDirectory);
  const emulators = new Map<EmulatorKind, Promise<BenchChild>>();
  const proxies = new Map<string, Promise<BenchChild>>();
  let gateway: { key: string; child: BenchChild } | undefined;
  let configCount = 0;

  function emulator(kind: EmulatorKind): Promise<BenchChild> {
    let started = emulators.get(kind);
    if (!started) {
      options.log(`starting emulator (${kind})`);
      // No request recording: the emulator is an instant upstream, not a test oracle, here.
      started = startChild({
        name: `emulator (${kind})`,
        entry: 'emulator/main',
        args: ['--kind', kind, '--port', '0', '--no-record'],
        ready: { type: 'stdout-url' },
      });
      emulators.set(kind, started);
    }
    return started;
  }

  function bareProxy(upstream: BenchChild): Promise<BenchChild> {
    let started = proxies.get(upstream.url);
    if (!started) {
      options.log(`starting bare proxy → ${upstream.url}`);
      started = startChild({
        name: 'bare proxy',
        entry: 'bench/bare-proxy-main',
        args: ['--upstream', upstream.url],
        // The same V8 flags as the gateway: the comparison is of the code, not of the tuning.
        execArgv: [...gatewayNodeFlags, ...(options.proxyExecArgv ?? [])],
        ready: { type: 'stdout-url' },
      });
      proxies.set(upstream.url, started);
    }
    return started;
  }

  async function gatewayFor(scenario: Scenario, upstream: BenchChild): Promise<BenchChild> {
    const build = scenario.gatewayConfig ?? baseGatewayConfig;
    const input = {
      upstreamUrl: upstream.url,
      upstreamKind: scenario.upstreamKind,
      dataDir: join(directory, 'gateway-data'),
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    };
    // Same config (apart from the port) → same gateway process.
    const key = JSON.stringify(build({ ...input, port: 0 }));
    if (gateway?.key === key) return gateway.child;
    if (gateway) {
      await gateway.child.stop();
      gateway = undefined;
    }
    const port = await findFreePort();
    const path = join(directory, `gateway-${++configCount}.yaml`);
    writeFileSync(path, stringify(build({ ...input, port })));
    options.log(`starting gateway (${path})`);
    const child = await startChild({
      name: 'gateway',
      entry: 'src/main',
      args: ['serve', '--config', path],
      // As every launcher runs it (src/cli/node-flags.ts), then the bench's own extra flags.
      execArgv: [...gatewayNodeFlags, ...(options.gatewayExecArgv ?? [])],
      ready: { type: 'health', url: `http://127.0.0.1:${port}`, healthPath: '/healthz' },
    });
    gateway = { key, child };
    return child;
  }

  return {
    async forScenario(scenario) {
      const upstream = await emulator(scenario.upstreamKind);
      const proxy = await bareProxy(upstream);
      const gatewayChild = await gatewayFor(scenario, upstream);
      return { emulator: upstream, bareProxy: proxy, gateway: gatewayChild };
    },
    async close() {
      const children: Array<Promise<BenchChild>> = [...proxies.values(), ...emulators.values()];
      await gateway?.child.stop();
      await Promise.all(
        children.map((started) =>
          started.then(
            (child) => child.stop(),
            () => undefined,
          ),
        ),
      );
      process.off('exit', removeDirectory);
      removeDirectory();
    },
  };
}
