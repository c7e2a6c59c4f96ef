// `switchyard emulate`: run the provider emulator (OpenAI, vLLM or Anthropic wire format).

import type { Command } from 'commander';
import { startEmulator, type EmulatorKind } from '../../emulator/index.js';
import type { CliEnvironment } from './serve-command.js';

export function registerEmulateCommand(program: Command, environment: CliEnvironment): void {
  program
    .command('emulate')
    .description('run a provider emulator with fault injection (POST /_emulator/faults)')
    .option('--kind <kind>', 'openai | vllm | anthropic | bedrock', 'openai')
    .option('--port <port>', 'port (0 = any free port)', (value) => Number(value), 0)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--name <name>', 'replica name (x-emulator-name header)')
    .action(async (options: { kind: string; port: number; host: string; name?: string }) => {
      const kinds: EmulatorKind[] = ['openai', 'vllm', 'anthropic', 'bedrock'];
      if (!kinds.includes(options.kind as EmulatorKind)) {
        environment.stderr.write(`unknown --kind ${options.kind} (known: ${kinds.join(', ')})\n`);
        environment.exit(1);
        return;
      }
      const emulator = await startEmulator({
        kind: options.kind as EmulatorKind,
        port: options.port,
        host: options.host,
        ...(options.name !== undefined ? { name: options.name } : {}),
      });
      environment.stdout.write(`${options.kind} emulator listening on ${emulator.url}\n`);
      const stop = () => {
        void emulator.close().then(() => environment.exit(0));
      };
      environment.onSignal('SIGTERM', stop);
      environment.onSignal('SIGINT', stop);
    });
}
