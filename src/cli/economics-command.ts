// `switchyard economics`: the self-hosting calculator (cost per 1M tokens at a utilisation vs an API
// price, break-even, replicas for the peak, sensitivity), and with --from-traces the advisor over
// real traffic in the trace store. Table output or --json.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { SwitchyardConfig } from '../config/config-schema.js';
import { ConfigError, loadConfigFile, parseConfig } from '../config/load-config.js';
import { createPriceTable } from '../pricing/price-table.js';
import { parseSince } from '../reports/build-report.js';
import { dashboardMigrations } from '../reports/dashboard-migrations.js';
import { buildEconomicsAdvice } from '../reports/economics-advisor.js';
import { formatAdvice, formatEconomics } from '../reports/economics-format.js';
import { presetsFrom } from '../reports/economics-presets.js';
import { blendedPricePerMTok, computeEconomics } from '../reports/economics.js';
import { openTraceDatabase } from '../trace-store/create-trace-store.js';
import { defaultConfigFile } from './resolve-config.js';
import type { CliEnvironment } from './serve-command.js';

interface EconomicsOptions {
  config?: string;
  preset?: string;
  tokensPerMonth: string;
  gpuHourUsd?: string;
  gpus?: string;
  tokensPerSecond?: string;
  utilisation?: string;
  apiPrice?: string;
  apiModel?: string;
  outputShare?: string;
  peakToMean: string;
  fromTraces?: boolean;
  since: string;
  databaseUrl?: string;
  pgliteDir?: string;
  json?: boolean;
}

class UsageError extends Error {}

/** 500M, 2B, 1.5e9, 750k, 1000000. */
export function parseAmount(name: string, text: string): number {
  const match = /^([\d.]+(?:e\d+)?)\s*([kmb])?$/i.exec(text.trim().replace(/[,_]/g, ''));
  const multiplier = { k: 1e3, m: 1e6, b: 1e9 } as const;
  const value = match
    ? Number(match[1]) *
      (match[2] ? multiplier[match[2].toLowerCase() as keyof typeof multiplier] : 1)
    : NaN;
  if (!Number.isFinite(value) || value < 0)
    throw new UsageError(`${name}: expected a number like 500M, 2B or 1e9, got '${text}'`);
  return value;
}

/** 0.6, 60 or 60%. */
export function parseUtilisation(text: string): number {
  const trimmed = text.trim();
  let value = Number(trimmed.replace(/%$/, ''));
  if (trimmed.endsWith('%') || value > 1) value /= 100;
  if (!(value > 0 && value <= 1))
    throw new UsageError(
      `--utilisation: expected a share in (0, 1] or a percentage, got '${text}'`,
    );
  return value;
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!(value > 0)) throw new UsageError(`${name}: expected a positive number, got '${text}'`);
  return value;
}

async function loadConfig(
  options: EconomicsOptions,
  environment: CliEnvironment,
): Promise<SwitchyardConfig> {
  const explicit = options.config ?? environment.env.SWITCHYARD_CONFIG;
  const path = resolve(environment.cwd, explicit ?? defaultConfigFile);
  if (explicit !== undefined || existsSync(path)) return loadConfigFile(path, environment.env);
  return parseConfig({}, environment.env, 'defaults');
}

async function run(options: EconomicsOptions, environment: CliEnvironment): Promise<string> {
  const config = await loadConfig(options, environment);
  const presets = presetsFrom(config.economics);
  const presetName = options.preset ?? config.economics.defaultPreset;
  const preset = presets[presetName];
  if (!preset) {
    throw new UsageError(
      `--preset: unknown '${presetName}' (known: ${Object.keys(presets).join(', ')})`,
    );
  }
  const replica = {
    name: presetName,
    ...preset,
    ...(options.gpuHourUsd ? { gpuHourUsd: positive('--gpu-hour-usd', options.gpuHourUsd) } : {}),
    ...(options.gpus ? { gpusPerReplica: positive('--gpus', options.gpus) } : {}),
    ...(options.tokensPerSecond
      ? { tokensPerSecond: positive('--tokens-per-second', options.tokensPerSecond) }
      : {}),
  };
  const utilisation = options.utilisation
    ? parseUtilisation(options.utilisation)
    : config.economics.targetUtilisation;

  if (options.fromTraces) {
    let since: Date;
    try {
      since = parseSince(options.since);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    let database = config.database;
    if (options.databaseUrl) database = { ...database, url: options.databaseUrl };
    if (options.pgliteDir) {
      const { url: _url, ...rest } = database;
      database = { ...rest, pgliteDir: options.pgliteDir };
    }
    if (!database.url && !database.pgliteDir.startsWith('memory://')) {
      const dir = database.pgliteDir;
      database = { ...database, pgliteDir: isAbsolute(dir) ? dir : resolve(environment.cwd, dir) };
    }
    const opened = await openTraceDatabase(database, dashboardMigrations);
    try {
      const report = await buildEconomicsAdvice(opened, {
        since,
        preset: replica,
        targetUtilisation: utilisation,
        excludeProviders: Object.entries(config.providers)
          .filter(([, provider]) => provider.type === 'openai-compatible')
          .map(([name]) => name),
      });
      return options.json ? `${JSON.stringify(report, null, 2)}\n` : formatAdvice(report);
    } finally {
      await opened.close();
    }
  }

  const outputShare = options.outputShare
    ? Number(options.outputShare)
    : config.economics.outputShare;
  if (!(outputShare >= 0 && outputShare <= 1))
    throw new UsageError(`--output-share: expected 0…1, got '${options.outputShare}'`);
  let apiPricePerMTok: number;
  let apiLabel: string;
  if (options.apiPrice) {
    apiPricePerMTok = positive('--api-price', options.apiPrice);
    apiLabel = 'given price';
  } else {
    const model = options.apiModel ?? config.economics.compareModel;
    const price = createPriceTable({ models: config.pricing.models }).priceFor({
      id: model,
      provider: '',
      model,
    });
    if (!price) {
      throw new UsageError(
        `--api-model: '${model}' is not in the price table (set pricing.models or pass --api-price)`,
      );
    }
    apiPricePerMTok = blendedPricePerMTok(price, outputShare);
    apiLabel = `${model} (${usdText(price.inputPerMTok)} in / ${usdText(price.outputPerMTok)} out per 1M, ${Math.round(outputShare * 100)}% output)`;
  }
  const result = computeEconomics({
    tokensPerMonth: parseAmount('--tokens-per-month', options.tokensPerMonth),
    gpuHourUsd: replica.gpuHourUsd,
    gpusPerReplica: replica.gpusPerReplica,
    tokensPerSecondPerReplica: replica.tokensPerSecond,
    utilisation,
    apiPricePerMTok,
    peakToMean: positive('--peak-to-mean', options.peakToMean),
  });
  if (options.json) {
    return `${JSON.stringify({ preset: replica, api: { label: apiLabel }, ...result }, null, 2)}\n`;
  }
  return formatEconomics(result, {
    selfHosted: `${presetName} (${replica.description ?? 'custom'})`,
    api: apiLabel,
  });
}

const usdText = (value: number) => `$${value}`;

export function registerEconomicsCommand(program: Command, environment: CliEnvironment): void {
  program
    .command('economics')
    .description(
      'self-hosting vs API: cost per 1M tokens at a utilisation, break-even, replicas for the peak, sensitivity; --from-traces: per feature from real traffic',
    )
    .option('-c, --config <path>', `YAML config file (default ./${defaultConfigFile} if present)`)
    .option(
      '--preset <name>',
      'self-hosted preset (economics.presets; default economics.defaultPreset)',
    )
    .option('--tokens-per-month <n>', 'monthly volume, all token classes (500M, 2B, 1e9)', '1B')
    .option('--gpu-hour-usd <usd>', 'USD per GPU-hour (overrides the preset)')
    .option('--gpus <n>', 'GPUs per replica (overrides the preset)')
    .option('--tokens-per-second <n>', 'sustained tokens/s per replica (overrides the preset)')
    .option(
      '--utilisation <share>',
      'target utilisation, 0.6 or 60% (default economics.targetUtilisation)',
    )
    .option('--api-price <usd>', 'API price per 1M tokens to compare with')
    .option(
      '--api-model <model>',
      'model from the price table to compare with (default economics.compareModel)',
    )
    .option('--output-share <share>', "share of output tokens in the API's blended price (0…1)")
    .option('--peak-to-mean <x>', 'peak-hour load ÷ average load, for replica sizing', '1')
    .option('--from-traces', 'advise per feature from the trace store instead')
    .option('--since <window>', 'with --from-traces: 30d, 7d, 24h or an ISO date', '30d')
    .option('--database-url <url>', 'PostgreSQL URL (overrides database.url)')
    .option('--pglite-dir <dir>', 'embedded PGlite directory (overrides database.pgliteDir)')
    .option('--json', 'print JSON')
    .action(async (options: EconomicsOptions) => {
      try {
        environment.stdout.write(await run(options, environment));
      } catch (error) {
        const usage = error instanceof UsageError || error instanceof RangeError;
        const message = error instanceof ConfigError ? error.message : (error as Error).message;
        environment.stderr.write(`switchyard economics: ${message}\n`);
        environment.exit(usage ? 2 : 1);
      }
    });
}
