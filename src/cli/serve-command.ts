// `switchyard serve`: start the gateway; drain on SIGTERM/SIGINT, then exit 0.

import type { Command } from 'commander';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ConfigError } from '../config/load-config.js';
import { createGateway } from '../server/create-gateway.js';
import { createLogger } from '../telemetry/create-logger.js';
import { applyRuntimeNodeFlags, semiSpaceMb } from './node-flags.js';
import { resolveConfig } from './resolve-config.js';

export interface CliEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  onSignal: (signal: 'SIGTERM' | 'SIGINT', handler: () => void) => void;
  exit: (code: number) => void;
  /** The process's Node flags (process.execArgv), for the start-up log's `semiSpaceMb`. */
  execArgv?: readonly string[];
  /** v8.setFlagsFromString: `serve` sets the GC flags V8 takes at run time (node-flags.ts). */
  setV8Flag?: (flag: string) => void;
}

export function registerServeCommand(program: Command, environment: CliEnvironment): void {
  program
    .command('serve', { isDefault: true })
    .description('start the gateway (demo mode when no config and no OPENAI_API_KEY)')
    .option('-c, --config <path>', 'YAML config file (default: ./switchyard.yaml if present)')
    .option('-p, --port <port>', 'port to listen on (overrides server.port)', (value) =>
      Number(value),
    )
    .option('--host <host>', 'address to bind (overrides server.host)')
    .action(async (options: { config?: string; port?: number; host?: string }) => {
      let emulator: Emulator | undefined;
      let resolved;
      try {
        resolved = await resolveConfig({
          configPath: options.config,
          env: environment.env,
          cwd: environment.cwd,
          startDemoUpstream: async () => {
            emulator = await startEmulator({ kind: 'openai', name: 'demo' });
            return `${emulator.url}/v1`;
          },
        });
      } catch (error) {
        if (error instanceof ConfigError) {
          environment.stderr.write(`${error.message}\n`);
          environment.exit(1);
          return;
        }
        throw error;
      }
      const { config, source } = resolved;
      if (options.port !== undefined) config.server.port = options.port;
      if (options.host !== undefined) config.server.host = options.host;
      const logger = createLogger({ level: environment.env.LOG_LEVEL ?? config.logging.level });
      // Before the first request: V8's pretenuring decisions are made from the first GCs on.
      const setAtRunTime = environment.setV8Flag
        ? applyRuntimeNodeFlags(environment.execArgv ?? [], environment.setV8Flag)
        : [];
      const gateway = createGateway(config, logger);
      const url = await gateway.start();
      const models = Object.keys(config.models);
      // V8's young generation, which the launchers set, and the flags set here (node-flags.ts,
      // docs/deploy.md): in both start-up lines.
      const nodeFlags = {
        semiSpaceMb:
          semiSpaceMb(environment.execArgv ?? [], environment.env.NODE_OPTIONS) ?? 'default',
        ...(setAtRunTime.length > 0 ? { v8FlagsSetAtRunTime: setAtRunTime } : {}),
      };
      if (source.type === 'demo') {
        logger.warn(
          {
            url,
            models,
            upstream: emulator?.url,
            ...nodeFlags,
          },
          'DEMO MODE: no config file and no OPENAI_API_KEY, so requests are answered by the built-in ' +
            'provider emulator (deterministic echo replies, no real model). Set OPENAI_API_KEY to use ' +
            'OpenAI, or write switchyard.yaml (see docs/config.md) and restart. No gateway key is required.',
        );
      } else {
        logger.info(
          {
            url,
            models,
            config: source.type === 'file' ? source.path : 'OPENAI_API_KEY',
            keys: gateway.keysRequired ? 'required' : 'keyless',
            ...nodeFlags,
          },
          'switchyard listening',
        );
        if (!gateway.keysRequired) {
          logger.warn(
            'KEYLESS: no gateway keys are configured (keys.static, admin.apiKey), so any client that ' +
              'reaches this port may call it. See docs/governance.md to require keys.',
          );
        }
      }
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        logger.info({ inFlight: gateway.http.inFlight }, 'draining');
        void gateway
          .close()
          .then(() => emulator?.close())
          .then(() => {
            logger.info('stopped');
            logger.flush();
            environment.exit(0);
          });
      };
      environment.onSignal('SIGTERM', stop);
      environment.onSignal('SIGINT', stop);
    });
}
