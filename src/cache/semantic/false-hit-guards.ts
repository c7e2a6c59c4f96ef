// Token-level guards against false semantic hits: two prompts that embed close together still do
// not share an answer when they differ in negation, in numbers, in named entities, or take
// opposite sides of a pair ("before"/"after"). Checked after the similarity threshold.

import { tokenizePrompt, wordsWithCase } from './tokenize-prompt.js';
import { negationWords, numberWords, opposites } from './word-lists.js';
import { stem } from './local-embedder-features.js';

export interface GuardFeatures {
  /** How many negation markers ("not", "no", "never", "without", …). */
  negations: number;
  /** Numbers as digits, sorted ("two" → "2"). */
  numbers: string[];
  /** Capitalised words that do not start a sentence, acronyms, and words with digits, lower-cased. */
  entities: string[];
  /** Words of the `opposites` pairs that appear, stemmed. */
  poles: string[];
  /** Every word, lower-cased (an entity of one prompt may appear uncapitalised in the other). */
  words: string[];
}

const poleWords = new Set(opposites.flat());

export function extractGuardFeatures(text: string): GuardFeatures {
  const tokens = tokenizePrompt(text);
  let negations = 0;
  const numbers: string[] = [];
  const poles = new Set<string>();
  for (const token of tokens) {
    if (negationWords.has(token)) negations += 1;
    const number = /^\d/.test(token) ? token : numberWords[token];
    if (number !== undefined && token !== 'last' && token !== 'first' && token !== 'second') {
      numbers.push(String(Number.isNaN(Number(number)) ? number : Number(number)));
    }
    const stemmed = stem(token);
    if (poleWords.has(token)) poles.add(token);
    else if (poleWords.has(stemmed)) poles.add(stemmed);
  }
  const entities = new Set<string>();
  const words = new Set<string>();
  for (const { word, sentenceStart } of wordsWithCase(text)) {
    words.add(word.toLowerCase());
    const hasDigit = /\d/.test(word) && /\p{L}/u.test(word);
    const acronym = word.length >= 2 && word === word.toUpperCase() && /\p{Lu}/u.test(word);
    const capitalised = /^\p{Lu}/u.test(word) && !sentenceStart && word !== 'I';
    const innerCapital = /^\p{L}+\p{Lu}/u.test(word) && /\p{Ll}/u.test(word);
    if (hasDigit || acronym || capitalised || innerCapital) entities.add(word.toLowerCase());
  }
  return {
    negations,
    numbers: numbers.sort(),
    entities: [...entities].sort(),
    poles: [...poles].sort(),
    words: [...words],
  };
}

function sameList(left: string[], right: string[]): boolean {
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

/** Undefined when the guards let the pair through, else the reason it is refused. */
export function compareGuardFeatures(
  left: GuardFeatures,
  right: GuardFeatures,
): string | undefined {
  if (left.negations !== right.negations) return 'negation';
  if (!sameList(left.numbers, right.numbers)) return 'numbers';
  // An entity of either prompt must appear in the other, capitalised or not ("France" / "france").
  const leftWords = new Set(left.words);
  const rightWords = new Set(right.words);
  if (
    left.entities.some((entity) => !rightWords.has(entity)) ||
    right.entities.some((entity) => !leftWords.has(entity))
  ) {
    return 'entities';
  }
  const leftPoles = new Set(left.poles);
  const rightPoles = new Set(right.poles);
  for (const [one, other] of opposites) {
    if (
      (leftPoles.has(one) && rightPoles.has(other) && !rightPoles.has(one)) ||
      (leftPoles.has(other) && rightPoles.has(one) && !rightPoles.has(other))
    ) {
      return 'opposites';
    }
  }
  return undefined;
}
