// A router alias (e.g. `auto`): rules first, then the complexity classifier picks a tier, and the tier
// names a model alias. The decision carries its reason for x-switchyard-route and the trace.

import type { RouterConfig } from '../config/routing-schema.js';
import type { RequestSignal } from '../core/index.js';
import type { Classification, ComplexityClassifier } from './complexity.js';
import { matchesRule, type RouteFacts } from './match-router-rule.js';
import type { ComplexityTier } from './request-shape.js';

export interface RouterDecision {
  router: string;
  /** The model alias chosen. */
  alias: string;
  tier?: ComplexityTier;
  rule?: string;
  classification?: Classification;
  /** Time spent classifying, µs (0 when a rule decided). */
  classifyMicros: number;
  /** e.g. `router=auto;tier=hard;classifier=features;confidence=0.82;alias=big`. */
  reason: string;
}

export interface Router {
  readonly name: string;
  readonly classifier: ComplexityClassifier;
  decide(facts: RouteFacts, signal: RequestSignal): Promise<RouterDecision>;
}

export function createRouter(options: {
  name: string;
  config: RouterConfig;
  classifier: ComplexityClassifier;
}): Router {
  const { name, config, classifier } = options;
  return {
    name,
    classifier,
    async decide(facts, signal) {
      for (const [index, rule] of config.rules.entries()) {
        if (!matchesRule(rule, facts)) continue;
        const ruleName = rule.name ?? `rule[${index}]`;
        if (rule.model !== undefined) {
          return {
            router: name,
            alias: rule.model,
            rule: ruleName,
            classifyMicros: 0,
            reason: `router=${name};rule=${ruleName};alias=${rule.model}`,
          };
        }
        const tier = rule.tier ?? config.defaultTier;
        const alias = config.tiers[tier];
        return {
          router: name,
          alias,
          tier,
          rule: ruleName,
          classifyMicros: 0,
          reason: `router=${name};rule=${ruleName};tier=${tier};alias=${alias}`,
        };
      }
      const started = performance.now();
      const classification = await classifier.classify(
        {
          text: facts.shape.lastUserText,
          systemChars: facts.shape.systemChars,
          userTurns: facts.shape.userTurns,
        },
        signal,
      );
      const classifyMicros = Math.round((performance.now() - started) * 1000);
      const confident = classification.confidence >= config.minConfidence;
      const tier = confident ? classification.tier : config.defaultTier;
      const alias = config.tiers[tier];
      const confidence = classification.confidence.toFixed(2);
      const reason = confident
        ? `router=${name};tier=${tier};classifier=${classification.classifier};confidence=${confidence};alias=${alias}`
        : `router=${name};tier=${tier}(default);classifier=${classification.classifier};guess=${classification.tier};confidence=${confidence};alias=${alias}`;
      return { router: name, alias, tier, classification, classifyMicros, reason };
    },
  };
}
