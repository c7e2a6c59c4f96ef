// Content terms of a prompt as the local embedder sees them: stop words dropped, number words
// turned into digits, a light suffix stemmer, and a small synonym fold.

import { tokenizePrompt } from './tokenize-prompt.js';
import { numberWords, questionWords, stopWords, synonyms } from './word-lists.js';

/** Strips common English inflections ("tablets" → "tablet", "running" → "run"). Deliberately light. */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ing') && word.length > 5) return undouble(word.slice(0, -3));
  if (word.endsWith('ed') && word.length > 4) return undouble(word.slice(0, -2));
  if (word.endsWith('ly') && word.length > 4) return word.slice(0, -2);
  if (word.endsWith('es') && /(?:ch|sh|x|z)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) {
    return word.slice(0, -1);
  }
  return word;
}

function undouble(word: string): string {
  return /([bdfgmnprt])\1$/.test(word) ? word.slice(0, -1) : word;
}

export interface PromptTerm {
  term: string;
  kind: 'content' | 'question' | 'number';
}

export function promptTerms(text: string): PromptTerm[] {
  const terms: PromptTerm[] = [];
  for (const token of tokenizePrompt(text)) {
    const number = /^\d/.test(token) ? token : numberWords[token];
    if (number !== undefined) {
      terms.push({ term: number, kind: 'number' });
      continue;
    }
    if (questionWords.has(token)) {
      terms.push({ term: token, kind: 'question' });
      continue;
    }
    if (stopWords.has(token)) continue;
    const folded = synonyms[token] ?? synonyms[stem(token)] ?? stem(token);
    terms.push({ term: folded, kind: 'content' });
  }
  return terms;
}
