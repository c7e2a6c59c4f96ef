// The `switchyard` command line: one file per command, registered here.

import { Command } from 'commander';
import { registerCacheEvalCommand } from './cache-eval-command.js';
import { registerCheckConfigCommand } from './check-config-command.js';
import { registerEconomicsCommand } from './economics-command.js';
import { registerEmulateCommand } from './emulate-command.js';
import { registerKeysCommand } from './keys-command.js';
import { registerRouteCommand } from './route-command.js';
import { registerReportCommand } from './report-command.js';
import { registerServeCommand, type CliEnvironment } from './serve-command.js';

export function createProgram(environment: CliEnvironment): Command {
  const program = new Command('switchyard')
    .description('Switchyard: a self-hosted LLM gateway')
    .version('0.1.0');
  registerServeCommand(program, environment);
  registerCheckConfigCommand(program, environment);
  registerReportCommand(program, environment);
  registerEconomicsCommand(program, environment);
  registerEmulateCommand(program, environment);
  registerKeysCommand(program, environment);
  registerCacheEvalCommand(program, environment);
  registerRouteCommand(program, environment);
  return program;
}
