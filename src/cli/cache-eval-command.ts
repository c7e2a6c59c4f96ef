// `switchyard cache eval --pairs FILE`: precision and recall of the semantic cache on labelled
// prompt pairs, at the configured threshold, and a threshold sweep.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { evaluatePairs, readLabelledPairs, type Confusion } from '../cache/eval/evaluate-pairs.js';
import { defaultSemanticThreshold } from '../cache/semantic/default-threshold.js';
import {
  createAliasEmbedder,
  createLocalEmbedder,
  type Embedder,
} from '../cache/semantic/embedder.js';
import type { Provider } from '../core/index.js';
import { ConfigError, loadConfigFile } from '../config/load-config.js';
import { createProviders } from '../pipeline/create-providers.js';
import { createModelCatalog } from '../routing/model-catalog.js';
import type { CliEnvironment } from './serve-command.js';

interface CacheEvalOptions {
  pairs: string;
  config?: string;
  alias?: string;
  embedder?: string;
  threshold?: number;
  json?: boolean;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function line(confusion: Confusion): string {
  return `precision ${percent(confusion.precision)}  recall ${percent(confusion.recall)}  (TP ${confusion.truePositives}, FP ${confusion.falsePositives}, FN ${confusion.falseNegatives}, TN ${confusion.trueNegatives})`;
}

export function registerCacheEvalCommand(program: Command, environment: CliEnvironment): void {
  const cache = program.command('cache').description('response cache tools');
  cache
    .command('eval')
    .description(
      'precision/recall of the semantic cache on labelled prompt pairs (JSONL: {a, b, same, category?})',
    )
    .requiredOption('--pairs <file>', 'labelled pairs, e.g. src/cache/eval/semantic-pairs.jsonl')
    .option(
      '-c, --config <path>',
      'config file whose cache.aliases.<alias>.semantic settings to use',
    )
    .option(
      '--alias <alias>',
      'the model alias whose semantic settings to evaluate (with --config)',
    )
    .option('--embedder <name>', "'local' (default) or an embeddings alias of the config")
    .option('--threshold <number>', 'similarity threshold (default: the configured one)', Number)
    .option('--json', 'print the result as JSON')
    .action(async (options: CacheEvalOptions) => {
      let providers: Map<string, Provider> | undefined;
      try {
        const pairs = await readLabelledPairs(resolve(environment.cwd, options.pairs));
        let embedderName = options.embedder ?? 'local';
        let threshold = options.threshold;
        let embedder: Embedder = createLocalEmbedder();
        if (options.config) {
          const config = await loadConfigFile(
            resolve(environment.cwd, options.config),
            environment.env,
          );
          const semantic = options.alias
            ? config.cache?.aliases[options.alias]?.semantic
            : undefined;
          if (options.alias && !semantic) {
            throw new ConfigError(options.config, [
              `cache.aliases.${options.alias}.semantic is not configured`,
            ]);
          }
          embedderName = options.embedder ?? semantic?.embedder ?? 'local';
          threshold ??= semantic?.threshold;
          if (embedderName !== 'local') {
            providers = createProviders(config);
            embedder = createAliasEmbedder({
              alias: embedderName,
              catalog: createModelCatalog(config),
              providers,
              timeoutMs: config.cache?.semantic.embedTimeoutMs ?? 2_000,
            });
          }
        } else if (embedderName !== 'local') {
          throw new Error(
            `--embedder ${embedderName} needs --config (the alias is looked up there)`,
          );
        }
        threshold ??= defaultSemanticThreshold(embedderName);
        const result = await evaluatePairs({ pairs, embedder, threshold });
        if (options.json) {
          const { scored, ...summary } = result;
          environment.stdout.write(
            `${JSON.stringify({
              ...summary,
              misjudged: scored
                .filter((pair) => (pair.similarity >= threshold && !pair.refusedBy) !== pair.same)
                .map((pair) => ({ ...pair, similarity: Math.round(pair.similarity * 1e4) / 1e4 })),
            })}\n`,
          );
          return;
        }
        const out: string[] = [
          `${result.pairs} pairs, embedder ${result.embedder}, threshold ${threshold}`,
          `  with guards:    ${line(result.withGuards)}`,
          `  without guards: ${line(result.withoutGuards)}`,
          '',
          'by category (at the threshold): pairs / hits / refused by guards',
          ...Object.entries(result.byCategory).map(
            ([category, entry]) =>
              `  ${category.padEnd(14)} ${String(entry.pairs).padStart(4)} ${String(entry.hits).padStart(5)} ${String(entry.refusedByGuards).padStart(5)}`,
          ),
          '',
          'threshold sweep:  guards: precision  recall | no guards: precision  recall',
          ...result.sweep.map(
            (row) =>
              `  ${row.threshold.toFixed(2)}             ${percent(row.withGuards.precision).padStart(7)}  ${percent(row.withGuards.recall).padStart(6)} |            ${percent(row.withoutGuards.precision).padStart(7)}  ${percent(row.withoutGuards.recall).padStart(6)}`,
          ),
        ];
        environment.stdout.write(`${out.join('\n')}\n`);
      } catch (error) {
        environment.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        environment.exit(1);
      } finally {
        if (providers)
          await Promise.all([...providers.values()].map((provider) => provider.close()));
      }
    });
}
