// Measures the semantic cache on labelled prompt pairs: precision and recall at a threshold (with
// and without the false-hit guards), per category, and a threshold sweep.

import { readFile } from 'node:fs/promises';
import type { RequestSignal } from '../../core/index.js';
import { extractGuardFeatures, compareGuardFeatures } from '../semantic/false-hit-guards.js';
import type { Embedder } from '../semantic/embedder.js';

export interface LabelledPair {
  a: string;
  b: string;
  /** True when one cached answer is right for both prompts. */
  same: boolean;
  category?: string;
}

export interface ScoredPair extends LabelledPair {
  similarity: number;
  /** Why the guards refuse the pair, or undefined when they let it through. */
  refusedBy: string | undefined;
}

export interface Confusion {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** TP / (TP + FP); 1 when nothing was predicted a hit. */
  precision: number;
  /** TP / (TP + FN). */
  recall: number;
}

export interface PairEvaluation {
  pairs: number;
  threshold: number;
  embedder: string;
  withGuards: Confusion;
  withoutGuards: Confusion;
  byCategory: Record<string, { pairs: number; hits: number; refusedByGuards: number }>;
  sweep: Array<{ threshold: number; withGuards: Confusion; withoutGuards: Confusion }>;
  scored: ScoredPair[];
}

export async function readLabelledPairs(path: string): Promise<LabelledPair[]> {
  const text = await readFile(path, 'utf8');
  const trimmed = text.trim();
  const rows: unknown[] = trimmed.startsWith('[')
    ? (JSON.parse(trimmed) as unknown[])
    : trimmed
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line, index) => {
          try {
            return JSON.parse(line) as unknown;
          } catch {
            throw new Error(`${path}:${index + 1}: not JSON`);
          }
        });
  return rows.map((row, index) => {
    const pair = row as Partial<LabelledPair>;
    if (
      typeof pair.a !== 'string' ||
      typeof pair.b !== 'string' ||
      typeof pair.same !== 'boolean'
    ) {
      throw new Error(`${path}: pair ${index + 1} needs string "a", string "b" and boolean "same"`);
    }
    return {
      a: pair.a,
      b: pair.b,
      same: pair.same,
      ...(typeof pair.category === 'string' ? { category: pair.category } : {}),
    };
  });
}

function confusion(scored: ScoredPair[], threshold: number, guards: boolean): Confusion {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let trueNegatives = 0;
  for (const pair of scored) {
    const hit = pair.similarity >= threshold && (!guards || pair.refusedBy === undefined);
    if (hit && pair.same) truePositives += 1;
    else if (hit) falsePositives += 1;
    else if (pair.same) falseNegatives += 1;
    else trueNegatives += 1;
  }
  const predicted = truePositives + falsePositives;
  const actual = truePositives + falseNegatives;
  return {
    truePositives,
    falsePositives,
    falseNegatives,
    trueNegatives,
    precision: predicted === 0 ? 1 : truePositives / predicted,
    recall: actual === 0 ? 0 : truePositives / actual,
  };
}

export async function evaluatePairs(options: {
  pairs: LabelledPair[];
  embedder: Embedder;
  threshold: number;
  sweep?: number[];
  signal?: RequestSignal;
}): Promise<PairEvaluation> {
  const signal = options.signal ?? new AbortController().signal;
  const scored: ScoredPair[] = [];
  for (const pair of options.pairs) {
    const [left, right] = await Promise.all([
      options.embedder.embed(pair.a, signal),
      options.embedder.embed(pair.b, signal),
    ]);
    let dot = 0;
    for (let index = 0; index < left.length; index++) {
      dot += (left[index] as number) * ((right[index] as number) ?? 0);
    }
    scored.push({
      ...pair,
      similarity: dot,
      refusedBy: compareGuardFeatures(extractGuardFeatures(pair.a), extractGuardFeatures(pair.b)),
    });
  }
  const byCategory: PairEvaluation['byCategory'] = {};
  for (const pair of scored) {
    const category = pair.category ?? (pair.same ? 'same' : 'different');
    const entry = (byCategory[category] ??= { pairs: 0, hits: 0, refusedByGuards: 0 });
    entry.pairs += 1;
    if (pair.similarity >= options.threshold) {
      if (pair.refusedBy === undefined) entry.hits += 1;
      else entry.refusedByGuards += 1;
    }
  }
  const thresholds = options.sweep ?? [
    0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98,
  ];
  return {
    pairs: scored.length,
    threshold: options.threshold,
    embedder: options.embedder.name,
    withGuards: confusion(scored, options.threshold, true),
    withoutGuards: confusion(scored, options.threshold, false),
    byCategory,
    sweep: thresholds.map((threshold) => ({
      threshold,
      withGuards: confusion(scored, threshold, true),
      withoutGuards: confusion(scored, threshold, false),
    })),
    scored,
  };
}
