// Latency of the built-in complexity classifier (no network): CPU, mean, p50 and p99 µs per classification
// over the shipped labelled prompts, plus long prompts (4 KB and 32 KB of text).
// Run: node --import tsx bench/routing/classifier-latency.ts [--json]

import { fileURLToPath } from 'node:url';
import { createFeatureClassifier } from '../../src/routing/classifiers/feature-classifier.js';
import type { ClassifierInput } from '../../src/routing/complexity.js';
import { readLabelledExamples } from '../../src/routing/read-labelled-examples.js';

const file = fileURLToPath(
  new URL('../../src/routing/eval/labelled-prompts.jsonl', import.meta.url),
);
const examples = readLabelledExamples(file);
const classifier = createFeatureClassifier();
const signal = new AbortController().signal;

function measure(name: string, inputs: ClassifierInput[], rounds: number) {
  for (let index = 0; index < 2_000; index++)
    void classifier.classify(inputs[index % inputs.length]!, signal);
  const samples: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let round = 0; round < rounds; round++) {
    for (const input of inputs) {
      const started = process.hrtime.bigint();
      void classifier.classify(input, signal);
      samples.push(Number(process.hrtime.bigint() - started) / 1000);
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const p50 = samples[Math.floor(samples.length * 0.5)]!;
  const p99 = samples[Math.floor(samples.length * 0.99)]!;
  // CPU time per classification is immune to the process being descheduled on a busy machine
  // (it includes the timer calls, ~0.1 µs each).
  const cpuMicros = (cpu.user + cpu.system) / samples.length;
  return {
    name,
    classifications: samples.length,
    meanMicros: mean,
    p50Micros: p50,
    p99Micros: p99,
    cpuMicros,
  };
}

const labelled = examples.map((example) => ({
  text: example.prompt,
  systemChars: 0,
  userTurns: 1,
}));
const paragraph = examples.map((example) => example.prompt).join(' ');
const long4k = [{ text: paragraph.slice(0, 4_096), systemChars: 2_000, userTurns: 6 }];
const long32k = [{ text: paragraph.repeat(2).slice(0, 32_768), systemChars: 2_000, userTurns: 6 }];
const results = [
  measure('labelled prompts (323, 10-300 chars)', labelled, 30),
  measure('one 4 KB prompt', long4k, 3_000),
  measure('one 32 KB prompt', long32k, 3_000),
];
if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
else {
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  for (const result of results) {
    console.log(
      `${result.name.padEnd(40)} cpu ${result.cpuMicros.toFixed(1).padStart(6)} µs  mean ${result.meanMicros.toFixed(1).padStart(6)} µs  p50 ${result.p50Micros.toFixed(1).padStart(6)} µs  p99 ${result.p99Micros.toFixed(1).padStart(6)} µs  (${result.classifications} runs)`,
    );
  }
}
