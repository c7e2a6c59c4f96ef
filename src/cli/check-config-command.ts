// `switchyard check-config`: validate a config file without serving.

import type { Command } from 'commander';
import { ConfigError, loadConfigFile } from '../config/load-config.js';
import { defaultConfigFile } from './resolve-config.js';
import type { CliEnvironment } from './serve-command.js';
import { resolve } from 'node:path';

export function registerCheckConfigCommand(program: Command, environment: CliEnvironment): void {
  program
    .command('check-config')
    .description('validate a config file and exit (status 1 with the problems when invalid)')
    .option('-c, --config <path>', 'YAML config file', defaultConfigFile)
    .option('--json', 'print the result as JSON')
    .action(async (options: { config: string; json?: boolean }) => {
      const path = resolve(environment.cwd, options.config);
      try {
        const config = await loadConfigFile(path, environment.env);
        const summary = {
          ok: true,
          path,
          providers: Object.keys(config.providers),
          models: Object.keys(config.models),
        };
        environment.stdout.write(
          options.json
            ? `${JSON.stringify(summary)}\n`
            : `${path}: ok (${summary.providers.length} providers, ${summary.models.length} models: ${summary.models.join(', ')})\n`,
        );
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        environment.stderr.write(
          options.json
            ? `${JSON.stringify({ ok: false, path, problems: error.problems })}\n`
            : `${error.message}\n`,
        );
        environment.exit(1);
      }
    });
}
