// `switchyard report`: spend by feature / user / model / provider, the 80/20 of spend, latency
// percentiles, cache savings and fallback rate from the trace store (PostgreSQL or PGlite).

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { databaseSchema, type DatabaseConfig } from '../config/observability-schema.js';
import { ConfigError, loadConfigFile } from '../config/load-config.js';
import { buildReport, parseSince } from '../reports/build-report.js';
import { formatReport } from '../reports/format-report.js';
import { openTraceDatabase } from '../trace-store/create-trace-store.js';
import { defaultConfigFile } from './resolve-config.js';
import type { CliEnvironment } from './serve-command.js';

interface ReportOptions {
  config?: string;
  databaseUrl?: string;
  pgliteDir?: string;
  since: string;
  top: string;
  json?: boolean;
}

async function databaseConfigFor(
  options: ReportOptions,
  environment: CliEnvironment,
): Promise<DatabaseConfig> {
  let database = databaseSchema.parse({});
  const explicit = options.config ?? environment.env.SWITCHYARD_CONFIG;
  const path = resolve(environment.cwd, explicit ?? defaultConfigFile);
  if (explicit !== undefined || existsSync(path)) {
    database = (await loadConfigFile(path, environment.env)).database;
  }
  if (options.databaseUrl) database = { ...database, url: options.databaseUrl };
  if (options.pgliteDir) {
    const { url: _url, ...rest } = database;
    database = { ...rest, pgliteDir: options.pgliteDir };
  }
  // A relative PGlite directory is relative to where the command runs, as for `serve`.
  if (!database.url && !database.pgliteDir.startsWith('memory://')) {
    const dir = database.pgliteDir;
    database = { ...database, pgliteDir: isAbsolute(dir) ? dir : resolve(environment.cwd, dir) };
  }
  return database;
}

export function registerReportCommand(program: Command, environment: CliEnvironment): void {
  program
    .command('report')
    .description(
      'spend by feature / user / model / provider, the 80/20 of spend, latency percentiles, cache savings and fallback rate from the trace store',
    )
    .option('-c, --config <path>', `YAML config file (default ./${defaultConfigFile} if present)`)
    .option('--database-url <url>', 'PostgreSQL URL (overrides database.url)')
    .option('--pglite-dir <dir>', 'embedded PGlite directory (overrides database.pgliteDir)')
    .option('--since <window>', 'window: 7d, 24h, 30m or an ISO date', '7d')
    .option('--top <n>', 'rows per spend table', '10')
    .option('--json', 'print the report as JSON')
    .action(async (options: ReportOptions) => {
      let since: Date;
      try {
        since = parseSince(options.since);
      } catch (error) {
        environment.stderr.write(`${(error as Error).message}\n`);
        environment.exit(2);
        return;
      }
      const top = Number(options.top);
      if (!Number.isInteger(top) || top < 1) {
        environment.stderr.write(`--top: expected a positive integer, got '${options.top}'\n`);
        environment.exit(2);
        return;
      }
      let database;
      try {
        database = await openTraceDatabase(await databaseConfigFor(options, environment));
      } catch (error) {
        const message = error instanceof ConfigError ? error.message : (error as Error).message;
        environment.stderr.write(`switchyard report: cannot open the trace store: ${message}\n`);
        environment.exit(1);
        return;
      }
      try {
        const report = await buildReport(database, { since, top });
        environment.stdout.write(
          options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
        );
      } finally {
        await database.close();
      }
    });
}
