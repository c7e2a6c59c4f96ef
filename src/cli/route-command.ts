// `switchyard route eval --file LABELLED.jsonl`: accuracy, confusion matrix, mean classification
// latency and routed cost vs all-hard, for each complexity classifier.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createLocalEmbedder } from '../cache/semantic/embedder.js';
import type { SwitchyardConfig } from '../config/config-schema.js';
import { ConfigError, loadConfigFile } from '../config/load-config.js';
import type { Provider } from '../core/index.js';
import { createProviders } from '../pipeline/create-providers.js';
import { createPriceTable } from '../pricing/price-table.js';
import { createFeatureClassifier } from '../routing/classifiers/feature-classifier.js';
import { createKnnClassifier } from '../routing/classifiers/knn-classifier.js';
import { createLlmJudgeClassifier } from '../routing/classifiers/llm-judge-classifier.js';
import { createCompleteWithAlias } from '../routing/complete-with-alias.js';
import {
  formatReport,
  predictAll,
  predictKnnCrossValidated,
  summarize,
  type EvaluationReport,
  type TierCost,
} from '../routing/eval/evaluate-classifier.js';
import { createModelCatalog } from '../routing/model-catalog.js';
import { readLabelledExamples } from '../routing/read-labelled-examples.js';
import type { ComplexityTier } from '../routing/request-shape.js';
import type { CliEnvironment } from './serve-command.js';

interface RouteEvalOptions {
  file: string;
  classifier: string;
  config?: string;
  router?: string;
  judgeModel?: string;
  train?: string;
  k: number;
  folds: number;
  outputTokens: number;
  tierModels: string;
  json?: boolean;
}

/** Prices by upstream model name when no config names the tiers' deployments. */
const defaultTierModels = 'trivial=gpt-4.1-nano,moderate=gpt-4o-mini,hard=gpt-4o';

function parseTierModels(text: string): Record<ComplexityTier, string> {
  const models: Partial<Record<ComplexityTier, string>> = {};
  for (const entry of text.split(',')) {
    const [tier, model] = entry.split('=');
    if ((tier === 'trivial' || tier === 'moderate' || tier === 'hard') && model)
      models[tier] = model;
  }
  if (!models.trivial || !models.moderate || !models.hard) {
    throw new Error(`--tier-models needs trivial=…,moderate=…,hard=… (got '${text}')`);
  }
  return models as Record<ComplexityTier, string>;
}

export function registerRouteCommand(program: Command, environment: CliEnvironment): void {
  const route = program.command('route').description('routing tools');
  route
    .command('eval')
    .description('score the complexity classifiers on a labelled JSONL file ({"prompt","tier"})')
    .requiredOption('-f, --file <path>', 'labelled examples (JSONL)')
    .option('--classifier <list>', 'features, knn, llm-judge or all', 'features,knn')
    .option('-c, --config <path>', 'config: tier prices from a router, providers for the judge')
    .option('--router <name>', 'router alias in the config whose tiers are priced')
    .option('--judge-model <alias>', 'llm-judge: the alias to ask (needs --config)')
    .option('--train <path>', 'knn: train on this file and score on --file (else cross-validate)')
    .option('--k <n>', 'knn: neighbours', (value) => Number(value), 7)
    .option('--folds <n>', 'knn: cross-validation folds', (value) => Number(value), 5)
    .option('--output-tokens <n>', 'assumed output tokens per call', (value) => Number(value), 300)
    .option('--tier-models <list>', 'model priced per tier without --config', defaultTierModels)
    .option('--json', 'print the reports as JSON')
    .action(async (options: RouteEvalOptions) => {
      const examples = readLabelledExamples(resolve(environment.cwd, options.file));
      let config: SwitchyardConfig | undefined;
      if (options.config) {
        try {
          config = await loadConfigFile(resolve(environment.cwd, options.config), environment.env);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          environment.stderr.write(`${error.message}\n`);
          environment.exit(1);
          return;
        }
      }
      const prices = createPriceTable(config ? config.pricing : {});
      let tierCost: TierCost;
      const routerName = options.router ?? Object.keys(config?.routing.routers ?? {})[0];
      const router = routerName ? config?.routing.routers[routerName] : undefined;
      let providers: Map<string, Provider> | undefined;
      const catalog = config ? createModelCatalog(config) : undefined;
      if (config && router && catalog) {
        tierCost = (tier, usage) => {
          const deployment = catalog.resolve(router.tiers[tier])?.deployments[0];
          return deployment ? prices.costOf(deployment, usage) : null;
        };
      } else {
        const models = parseTierModels(options.tierModels);
        tierCost = (tier, usage) =>
          prices.costOf({ id: models[tier], provider: 'eval', model: models[tier] }, usage);
      }
      const wanted = new Set(
        options.classifier === 'all'
          ? ['features', 'knn', 'llm-judge']
          : options.classifier.split(',').map((name) => name.trim()),
      );
      const signal = new AbortController().signal;
      const common = {
        tierCost,
        outputTokens: options.outputTokens,
        ...(router ? { defaultTier: router.defaultTier, minConfidence: router.minConfidence } : {}),
      };
      const reports: EvaluationReport[] = [];
      try {
        if (wanted.has('features')) {
          const classifier = createFeatureClassifier();
          await predictAll(classifier, examples.slice(0, 50), signal); // warm-up (JIT)
          const predictions = await predictAll(classifier, examples, signal);
          reports.push(summarize({ classifier: 'features', predictions, ...common }));
        }
        if (wanted.has('knn')) {
          let predictions;
          let how: string;
          if (options.train) {
            const classifier = createKnnClassifier({
              examples: readLabelledExamples(resolve(environment.cwd, options.train)),
              embedder: createLocalEmbedder(),
              k: options.k,
            });
            await classifier.ready;
            predictions = await predictAll(classifier, examples, signal);
            how = `trained on ${options.train}`;
          } else {
            predictions = await predictKnnCrossValidated({
              examples,
              embedder: createLocalEmbedder(),
              k: options.k,
              folds: options.folds,
              signal,
            });
            how = `${options.folds}-fold cross-validation`;
          }
          reports.push(
            summarize({
              classifier: `knn (local embedder, k=${options.k}, ${how})`,
              predictions,
              ...common,
            }),
          );
        }
        if (wanted.has('llm-judge')) {
          const alias =
            options.judgeModel ??
            (router?.classifier.type === 'llm-judge' ? router.classifier.model : undefined);
          if (!config || !catalog || !alias) {
            environment.stderr.write(
              'llm-judge needs --config and --judge-model (or a judge router)\n',
            );
          } else {
            providers = createProviders(config);
            const classifier = createLlmJudgeClassifier({
              complete: createCompleteWithAlias({ alias, catalog, providers }),
              timeoutMs:
                router?.classifier.type === 'llm-judge' ? router.classifier.timeoutMs : 5_000,
              fallback: createFeatureClassifier(),
            });
            const predictions = await predictAll(classifier, examples, signal);
            const fellBack = predictions.filter((prediction) =>
              prediction.classification.classifier.startsWith('features('),
            ).length;
            reports.push(
              summarize({
                classifier: `llm-judge (${alias}; ${fellBack} fell back to features)`,
                predictions,
                ...common,
              }),
            );
          }
        }
      } finally {
        await Promise.all([...(providers?.values() ?? [])].map((provider) => provider.close()));
      }
      environment.stdout.write(
        options.json
          ? `${JSON.stringify(reports, null, 2)}\n`
          : `${reports.map(formatReport).join('\n\n')}\n`,
      );
    });
}
