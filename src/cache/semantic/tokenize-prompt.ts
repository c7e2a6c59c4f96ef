// Word tokens of a prompt for the local embedder and the false-hit guards: lower case, contractions
// expanded ("isn't" → "is not"), possessives dropped, numbers kept whole ("2.5", "1,000" → "1000").

const contractions: Array<[RegExp, string]> = [
  [/\bcan't\b/g, 'can not'],
  [/\bwon't\b/g, 'will not'],
  [/\bshan't\b/g, 'shall not'],
  [/\bcannot\b/g, 'can not'],
  [/n't\b/g, ' not'],
  [/'re\b/g, ' are'],
  [/'m\b/g, ' am'],
  [/'ll\b/g, ' will'],
  [/'ve\b/g, ' have'],
  [/'d\b/g, ' would'],
  [/'s\b/g, ''],
];

export function tokenizePrompt(text: string): string[] {
  let normalized = text.toLowerCase().replace(/[\u2018\u2019`]/g, "'");
  for (const [pattern, replacement] of contractions) {
    normalized = normalized.replace(pattern, replacement);
  }
  // Thousands separators inside numbers: "1,000" → "1000".
  normalized = normalized.replace(/(\d),(?=\d{3}\b)/g, '$1');
  return normalized.match(/\d+(?:\.\d+)?|[\p{L}\p{N}]+/gu) ?? [];
}

/** The original-case words, for entity detection (capitalised words that are not sentence starts). */
export function wordsWithCase(text: string): Array<{ word: string; sentenceStart: boolean }> {
  const result: Array<{ word: string; sentenceStart: boolean }> = [];
  const pattern = /[\p{L}\p{N}][\p{L}\p{N}'’._-]*[\p{L}\p{N}]|[\p{L}\p{N}]|[.!?:;\n]/gu;
  let sentenceStart = true;
  for (const match of text.matchAll(pattern)) {
    const token = match[0];
    if (/^[.!?:;\n]$/.test(token)) {
      sentenceStart = true;
      continue;
    }
    result.push({ word: token.replace(/['’]s$/, ''), sentenceStart });
    sentenceStart = false;
  }
  return result;
}
