// Scores a complexity classifier on labelled examples: accuracy, confusion matrix, mean latency,
// and what the routed traffic would cost against sending everything to the hard tier.
// The kNN classifier is scored by k-fold cross-validation (never on the examples it was trained on).

import { countTokens } from 'gpt-tokenizer';
import { createUsage, type RequestSignal } from '../../core/index.js';
import type { Embedder } from '../../cache/semantic/embedder.js';
import { createKnnClassifier } from '../classifiers/knn-classifier.js';
import type { Classification, ComplexityClassifier } from '../complexity.js';
import type { LabelledExample } from '../read-labelled-examples.js';
import { complexityTiers, type ComplexityTier } from '../request-shape.js';

/** Price of one call of a tier, from the price table (null: unknown price). */
export type TierCost = (
  tier: ComplexityTier,
  usage: ReturnType<typeof createUsage>,
) => number | null;

export interface EvaluationReport {
  classifier: string;
  examples: number;
  accuracy: number;
  /** confusion[actual][predicted] */
  confusion: Record<ComplexityTier, Record<ComplexityTier, number>>;
  /** Wall-clock per classification (a busy machine inflates the mean; the median less so). */
  meanLatencyMicros: number;
  medianLatencyMicros: number;
  /** USD: routed as predicted, routed by the true labels, and everything to the hard tier. */
  cost?: { routedUsd: number; oracleUsd: number; allHardUsd: number; savedVsAllHard: number };
  /** Hard prompts sent to a cheaper tier (the quality risk of routing). */
  hardUnderRouted: number;
}

function emptyConfusion(): EvaluationReport['confusion'] {
  const row = () => ({ trivial: 0, moderate: 0, hard: 0 });
  return { trivial: row(), moderate: row(), hard: row() };
}

export interface Prediction {
  example: LabelledExample;
  classification: Classification;
  micros: number;
}

export async function predictAll(
  classifier: ComplexityClassifier,
  examples: readonly LabelledExample[],
  signal: RequestSignal,
): Promise<Prediction[]> {
  const predictions: Prediction[] = [];
  for (const example of examples) {
    const started = performance.now();
    const classification = await classifier.classify(
      { text: example.prompt, systemChars: 0, userTurns: 1 },
      signal,
    );
    predictions.push({ example, classification, micros: (performance.now() - started) * 1000 });
  }
  return predictions;
}

/** k-fold cross-validation of the kNN classifier: each fold is classified by the others. */
export async function predictKnnCrossValidated(options: {
  examples: readonly LabelledExample[];
  embedder: Embedder;
  k: number;
  folds: number;
  signal: RequestSignal;
}): Promise<Prediction[]> {
  const predictions: Prediction[] = [];
  for (let fold = 0; fold < options.folds; fold++) {
    const test = options.examples.filter((_, index) => index % options.folds === fold);
    const train = options.examples.filter((_, index) => index % options.folds !== fold);
    const classifier = createKnnClassifier({
      examples: train,
      embedder: options.embedder,
      k: options.k,
    });
    await classifier.ready;
    predictions.push(...(await predictAll(classifier, test, options.signal)));
  }
  return predictions;
}

export function summarize(options: {
  classifier: string;
  predictions: readonly Prediction[];
  tierCost?: TierCost;
  outputTokens: number;
  defaultTier?: ComplexityTier;
  minConfidence?: number;
}): EvaluationReport {
  const confusion = emptyConfusion();
  let correct = 0;
  let micros = 0;
  let hardUnderRouted = 0;
  let routedUsd = 0;
  let oracleUsd = 0;
  let allHardUsd = 0;
  let priced = options.tierCost !== undefined;
  for (const { example, classification, micros: spent } of options.predictions) {
    const confident = classification.confidence >= (options.minConfidence ?? 0);
    const tier = confident ? classification.tier : (options.defaultTier ?? classification.tier);
    confusion[example.tier][tier]++;
    if (tier === example.tier) correct++;
    if (example.tier === 'hard' && tier !== 'hard') hardUnderRouted++;
    micros += spent;
    if (options.tierCost) {
      const usage = createUsage({
        inputNoCache: countTokens(example.prompt) + 8,
        outputTotal: options.outputTokens,
      });
      const routed = options.tierCost(tier, usage);
      const oracle = options.tierCost(example.tier, usage);
      const hard = options.tierCost('hard', usage);
      if (routed === null || oracle === null || hard === null) priced = false;
      else {
        routedUsd += routed;
        oracleUsd += oracle;
        allHardUsd += hard;
      }
    }
  }
  const count = options.predictions.length;
  return {
    classifier: options.classifier,
    examples: count,
    accuracy: count ? correct / count : 0,
    confusion,
    meanLatencyMicros: count ? micros / count : 0,
    medianLatencyMicros: median(options.predictions.map((prediction) => prediction.micros)),
    hardUnderRouted,
    ...(priced
      ? {
          cost: {
            routedUsd,
            oracleUsd,
            allHardUsd,
            savedVsAllHard: allHardUsd > 0 ? 1 - routedUsd / allHardUsd : 0,
          },
        }
      : {}),
  };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function formatReport(report: EvaluationReport): string {
  const lines = [
    `${report.classifier}: accuracy ${(report.accuracy * 100).toFixed(1)} % on ${report.examples} prompts, mean ${report.meanLatencyMicros.toFixed(1)} µs (median ${report.medianLatencyMicros.toFixed(1)} µs) per classification`,
    `  confusion (rows: labelled, columns: predicted)`,
    `  ${'labelled'.padEnd(10)}${complexityTiers.map((tier) => tier.padStart(10)).join('')}`,
    ...complexityTiers.map(
      (actual) =>
        `  ${actual.padEnd(10)}${complexityTiers
          .map((predicted) => String(report.confusion[actual][predicted]).padStart(10))
          .join('')}`,
    ),
    `  hard prompts sent to a cheaper tier: ${report.hardUnderRouted}`,
  ];
  if (report.cost) {
    const { routedUsd, oracleUsd, allHardUsd, savedVsAllHard } = report.cost;
    lines.push(
      `  cost: routed $${routedUsd.toFixed(4)} vs all-hard $${allHardUsd.toFixed(4)} (${(savedVsAllHard * 100).toFixed(1)} % less); perfect labels $${oracleUsd.toFixed(4)}`,
    );
  } else {
    lines.push('  cost: unknown (a tier model has no price in the price table)');
  }
  return lines.join('\n');
}
