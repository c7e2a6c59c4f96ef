// Builds the routing runtime from the config: one Router per router alias (with its classifier) and
// the residency policy.

import { resolve } from 'node:path';
import { createAliasEmbedder, createLocalEmbedder } from '../cache/semantic/embedder.js';
import type { ClassifierConfig, RoutingConfig } from '../config/routing-schema.js';
import type { Provider } from '../core/index.js';
import { createFeatureClassifier } from './classifiers/feature-classifier.js';
import { createKnnClassifier } from './classifiers/knn-classifier.js';
import { createLlmJudgeClassifier } from './classifiers/llm-judge-classifier.js';
import { createCompleteWithAlias } from './complete-with-alias.js';
import type { ComplexityClassifier } from './complexity.js';
import { createRouter, type Router } from './create-router.js';
import type { ResidencyPolicy } from './apply-residency.js';
import type { ModelCatalog } from './model-catalog.js';
import { readLabelledExamples } from './read-labelled-examples.js';

export interface Routing {
  routers: ReadonlyMap<string, Router>;
  residency: ResidencyPolicy;
}

export function createClassifier(options: {
  config: ClassifierConfig;
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, Provider>;
  cwd?: string;
}): ComplexityClassifier {
  const { config } = options;
  switch (config.type) {
    case 'features':
      return createFeatureClassifier();
    case 'knn': {
      const examples = readLabelledExamples(resolve(options.cwd ?? '.', config.examples));
      const embedder =
        config.embedder.type === 'local'
          ? createLocalEmbedder()
          : createAliasEmbedder({
              alias: config.embedder.model,
              catalog: options.catalog,
              providers: options.providers,
              timeoutMs: config.embedder.timeoutMs,
            });
      return createKnnClassifier({
        examples,
        embedder,
        k: config.k,
        fallback: createFeatureClassifier(),
      });
    }
    case 'llm-judge':
      return createLlmJudgeClassifier({
        complete: createCompleteWithAlias({
          alias: config.model,
          catalog: options.catalog,
          providers: options.providers,
        }),
        timeoutMs: config.timeoutMs,
        fallback: createFeatureClassifier(),
      });
  }
}

export function createRouting(options: {
  config: RoutingConfig;
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, Provider>;
  cwd?: string;
}): Routing {
  const routers = new Map<string, Router>();
  for (const [name, router] of Object.entries(options.config.routers)) {
    routers.set(
      name,
      createRouter({
        name,
        config: router,
        classifier: createClassifier({ ...options, config: router.classifier }),
      }),
    );
  }
  return { routers, residency: options.config.residency };
}
