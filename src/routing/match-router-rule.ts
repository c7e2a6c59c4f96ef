// Router rules: conditions on the request's metadata, key tier and shape; the first rule whose every
// condition holds names a tier or a model alias.

import type { RouterRuleConfig } from '../config/routing-schema.js';
import type { RequestShape } from './request-shape.js';

export interface RouteFacts {
  shape: RequestShape;
  feature?: string | undefined;
  user?: string | undefined;
  region?: string | undefined;
  keyTier?: string | undefined;
  /** String metadata: x-switchyard-* values and the body's `metadata` object. */
  metadata: Readonly<Record<string, string>>;
}

function oneOf(expected: string | string[] | undefined, actual: string | undefined): boolean {
  if (expected === undefined) return true;
  if (actual === undefined) return false;
  return typeof expected === 'string' ? expected === actual : expected.includes(actual);
}

export function matchesRule(rule: RouterRuleConfig, facts: RouteFacts): boolean {
  const when = rule.when;
  if (!oneOf(when.feature, facts.feature)) return false;
  if (!oneOf(when.keyTier, facts.keyTier)) return false;
  if (!oneOf(when.user, facts.user)) return false;
  if (!oneOf(when.region, facts.region)) return false;
  if (when.tools !== undefined && when.tools !== facts.shape.hasTools) return false;
  if (when.images !== undefined && when.images !== facts.shape.hasImages) return false;
  if (when.minInputTokens !== undefined && facts.shape.estimatedInputTokens < when.minInputTokens) {
    return false;
  }
  if (when.maxInputTokens !== undefined && facts.shape.estimatedInputTokens > when.maxInputTokens) {
    return false;
  }
  if (when.metadata) {
    for (const [key, expected] of Object.entries(when.metadata)) {
      if (!oneOf(expected, facts.metadata[key])) return false;
    }
  }
  return true;
}
