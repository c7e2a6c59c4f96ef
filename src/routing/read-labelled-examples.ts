// Reads a labelled examples file (JSONL: {"prompt": "...", "tier": "trivial|moderate|hard"}), used to
// train the kNN classifier and by `switchyard route eval`. Errors name the line.

import { readFileSync } from 'node:fs';
import { complexityTiers, type ComplexityTier } from './request-shape.js';

export interface LabelledExample {
  prompt: string;
  tier: ComplexityTier;
  /** Optional free-form domain label (reporting only). */
  domain?: string;
}

export function parseLabelledExamples(text: string, source: string): LabelledExample[] {
  const examples: LabelledExample[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('//')) return;
    const where = `${source}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new Error(`${where}: not a JSON object`);
    }
    const record = value as Record<string, unknown>;
    if (typeof record.prompt !== 'string' || record.prompt === '') {
      throw new Error(`${where}: "prompt" must be a non-empty string`);
    }
    if (!complexityTiers.includes(record.tier as ComplexityTier)) {
      throw new Error(`${where}: "tier" must be one of ${complexityTiers.join(', ')}`);
    }
    examples.push({
      prompt: record.prompt,
      tier: record.tier as ComplexityTier,
      ...(typeof record.domain === 'string' ? { domain: record.domain } : {}),
    });
  });
  if (examples.length === 0) throw new Error(`${source}: no examples`);
  return examples;
}

export function readLabelledExamples(path: string): LabelledExample[] {
  return parseLabelledExamples(readFileSync(path, 'utf8'), path);
}
