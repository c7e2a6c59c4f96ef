// The built-in complexity classifier: a weighted score over cheap text features (length, code, math,
// multi-step instructions, reasoning cues, domain, conversation depth). No network; one pass over
// the words with Map lookups (a long regex alternation costs ~50 µs per 4 KB, this ~10 µs).

import type {
  Classification,
  ClassifierInput,
  ComplexityClassifier,
  ComplexityTier,
} from '../complexity.js';

/**
 * Long prompts are read word by word only at the start and the end (a pasted document usually sits
 * between the instructions and the question); the middle counts towards length only.
 */
const SCAN_HEAD_CHARS = 1_000;
const SCAN_TAIL_CHARS = 500;

const enum Cue {
  Task = 1,
  Reasoning = 2,
  HardDomain = 4,
  MathHard = 8,
  CodeTask = 16,
  CodeSyntax = 32,
  Trivial = 64,
  Sequencing = 128,
}

/** Words and phrases (two or three words) → cues; `stem*` matches any word starting with stem. */
const lexicon: Array<[Cue, string]> = [
  [
    Cue.Task,
    'write draft create compose summarize summarise rewrite rephrase suggest recommend plan outline describe explain proofread edit list make tips steps ideas idea example examples solve calculate compute average story|give me|help me|how do i|how can i|how should|how does|what causes|causes of|what can i|in plain english|what are some|what should|difference between|area of|translate this|show the',
  ],
  [
    Cue.Reasoning,
    'why explain analyze analyse analysis compare contrast trade-off trade-offs tradeoffs design architect* evaluate critique justify implications implication strateg* assess diagnose investigate derive reason argue nuanced detailed comprehensive thorough|pros and cons|in depth',
  ],
  [
    Cue.HardDomain,
    'consensus shard* event-sourc* pharmaco* threat historiograph* evidence critically microarchitect* zero-downtime enforceab* obligations mechanism mechanisms decoherence incident multi-tenant exactly-once sandbox* distributed scalab* fault-toleran* security vulnerab* cryptograph* compiler kernel lock-free formal legal liabilit* regulat* clinical diagnos* quantum neural statistical econometric microservice microservices migration production latency throughput benchmark|unit economics|feedback loops|unreliable narrator|garbage collector|write barriers|plugin system|threat model|machine learning',
  ],
  [
    Cue.MathHard,
    'prove proof derive theorem lemma uniformly uncountable diverges diverge recurrence lagrange integral integrate derivative differentiate eigen* matrix matrices probability variance induction combinatori* asymptotic convergen* bayes* stochastic topolog* irrational|show that|expected value|differential equation|generating functions|vector space|group of',
  ],
  [
    Cue.CodeTask,
    'implement refactor debug optimize optimise algorithm complexity concurren* deadlock deadlocks regex schema big-o|race condition|thread-safe|thread safe|memory leak|unit test|unit tests|data structure|api design|write a function|write a program|write a script|write a class|write a query|write a parser',
  ],
  [
    Cue.CodeSyntax,
    'def class function const let var import return public private static async await struct impl fn func select insert join|group by',
  ],
  [
    Cue.Trivial,
    'capital translate synonym antonym spell define abbreviation|capital of|definition of|what time|what day|how many days|how many hours|how many minutes|how many weeks|how many legs|how many sides|stand for|yes or no|one word|rhymes with|plural of|past tense|fix the typo|what color|who wrote|who painted|when did|when was|boiling point|how do you say',
  ],
  [
    Cue.Sequencing,
    'first then finally next also|step by step|step-by-step|after that|in addition|make sure|each of|for each',
  ],
];

const words = new Map<string, number>();
/** Stems by their first STEM_KEY characters (every stem is at least that long). */
const STEM_KEY = 5;
const stems = new Map<string, Array<{ stem: string; cues: number }>>();
/** First words of phrases, so pairs and triples are only built when they can match. */
const pairStarters = new Set<string>();
const tripleStarters = new Set<string>();
for (const [cue, list] of lexicon) {
  for (const group of list.split('|')) {
    // The first group is single words; the others are phrases (one per group).
    const entries = group.includes(' ') && !list.startsWith(group) ? [group] : group.split(' ');
    for (const entry of entries) {
      if (entry === '') continue;
      if (entry.endsWith('*')) {
        const stem = entry.slice(0, -1);
        const key = stem.slice(0, STEM_KEY);
        const list = stems.get(key) ?? [];
        list.push({ stem, cues: cue });
        stems.set(key, list);
      } else {
        words.set(entry, (words.get(entry) ?? 0) | cue);
        const parts = entry.split(' ');
        if (parts.length === 2) pairStarters.add(parts[0]!);
        if (parts.length === 3) tripleStarters.add(parts[0]!);
      }
    }
  }
}
const openers = new Set(['hi', 'hello', 'hey', 'thanks', 'thank', 'ok', 'okay', 'good']);

function isWordChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 48 && code <= 57) || // 0-9
    code === 45 || // -
    code === 39 || // '
    code >= 0xc0 // letters beyond ASCII
  );
}

function cuesOf(word: string): number {
  let cues = words.get(word) ?? 0;
  if (word.length >= STEM_KEY) {
    const candidates = stems.get(word.slice(0, STEM_KEY));
    if (candidates)
      for (const entry of candidates) if (word.startsWith(entry.stem)) cues |= entry.cues;
  }
  return cues;
}

interface TextFeatures {
  words: number;
  cueCounts: Int32Array;
  firstWord: string;
  lineStartSteps: number;
  questions: number;
  separators: number;
  codeSymbols: number;
  codeFence: boolean;
  mathSymbols: boolean;
  digitsWithOperator: boolean;
}

const cueBits = [1, 2, 4, 8, 16, 32, 64, 128];

function readFeatures(fullText: string): TextFeatures {
  const text =
    fullText.length > SCAN_HEAD_CHARS + SCAN_TAIL_CHARS
      ? `${fullText.slice(0, SCAN_HEAD_CHARS)}\n${fullText.slice(-SCAN_TAIL_CHARS)}`
      : fullText;
  const lower = text.toLowerCase();
  const cueCounts = new Int32Array(8);
  const features: TextFeatures = {
    words: 0,
    cueCounts,
    firstWord: '',
    lineStartSteps: 0,
    questions: 0,
    separators: 0,
    codeSymbols: 0,
    codeFence: lower.includes('```'),
    mathSymbols: false,
    digitsWithOperator: false,
  };
  let previous = '';
  let beforePrevious = '';
  let atLineStart = true;
  let lastDigit = -10;
  let index = 0;
  const length = lower.length;
  while (index < length) {
    const code = lower.charCodeAt(index);
    if (!isWordChar(code)) {
      switch (code) {
        case 10:
          atLineStart = true;
          break;
        case 63: // ?
          features.questions++;
          break;
        case 44: // ,
        case 58: // :
        case 59: // ;
          features.separators++;
          if (code === 59) features.codeSymbols++;
          break;
        case 123: // {
        case 125: // }
        case 40: // (
        case 61: // =
        case 60: // <
          features.codeSymbols++;
          break;
        case 43: // +
        case 42: // *
        case 47: // /
        case 94: // ^
          if (index - lastDigit <= 2) features.digitsWithOperator = true;
          break;
        case 0x2211: // ∑
        case 0x222b: // ∫
        case 0x221a: // √
        case 0x2264: // ≤
        case 0x2265: // ≥
        case 0x2200: // ∀
        case 0x2203: // ∃
          features.mathSymbols = true;
          break;
        case 92: // \frac, \sum, \int
          features.mathSymbols = true;
          break;
      }
      index++;
      continue;
    }
    const start = index;
    while (index < length && isWordChar(lower.charCodeAt(index))) index++;
    const word = lower.slice(start, index);
    const firstCode = word.charCodeAt(0);
    if (firstCode >= 48 && firstCode <= 57) {
      lastDigit = index - 1;
      if (atLineStart && (lower.charCodeAt(index) === 46 || lower.charCodeAt(index) === 41)) {
        features.lineStartSteps++;
      }
    }
    atLineStart = false;
    features.words++;
    if (features.words === 1) features.firstWord = word;
    let cues = cuesOf(word);
    if (pairStarters.has(previous)) cues |= words.get(`${previous} ${word}`) ?? 0;
    if (tripleStarters.has(beforePrevious)) {
      cues |= words.get(`${beforePrevious} ${previous} ${word}`) ?? 0;
    }
    if (cues !== 0) {
      for (let bit = 0; bit < 8; bit++) if (cues & cueBits[bit]!) cueCounts[bit]!++;
    }
    beforePrevious = previous;
    previous = word;
  }
  if (text !== fullText) {
    // The unscanned middle counts as words at ~6 characters each.
    features.words += Math.round((fullText.length - SCAN_HEAD_CHARS - SCAN_TAIL_CHARS) / 6);
  }
  return features;
}

/** The score boundaries between tiers; confidence grows with the distance to the nearest one. */
const TRIVIAL_BELOW = 0.6;
const HARD_FROM = 2.4;

export interface FeatureScore {
  score: number;
  tier: ComplexityTier;
  confidence: number;
}

const count = (features: TextFeatures, cue: Cue) => features.cueCounts[Math.log2(cue)]!;

export function scoreComplexity(input: ClassifierInput): FeatureScore {
  const features = readFeatures(input.text);
  const wordCount = features.words;
  let score = 0;
  if (wordCount < 6) score -= 0.8;
  else if (wordCount < 20) score += 0.2;
  else if (wordCount < 25) score += 0.5;
  else if (wordCount < 60) score += 0.9;
  else if (wordCount < 150) score += 1.4;
  else score += 2;

  if (features.codeFence) score += 1.2;
  else if (count(features, Cue.CodeSyntax) >= 2 && features.codeSymbols >= 3) score += 0.6;
  if (count(features, Cue.CodeTask) > 0) score += 1;
  if (count(features, Cue.MathHard) > 0 || features.mathSymbols) score += 2.3;
  else if (features.digitsWithOperator && wordCount < 15) score -= 0.3;

  if (features.lineStartSteps >= 3) score += 1;
  else if (features.lineStartSteps === 2) score += 0.5;
  score += 0.35 * Math.min(count(features, Cue.Sequencing), 4);
  if (features.questions >= 2) score += 0.4;

  score += 0.6 * Math.min(count(features, Cue.Reasoning), 4);
  if (features.separators >= 3) score += 0.6;
  else if (features.separators === 2) score += 0.3;
  score += 0.6 * Math.min(count(features, Cue.HardDomain), 3);
  if (count(features, Cue.Task) > 0) score += 0.8;
  if (count(features, Cue.Trivial) > 0 || openers.has(features.firstWord)) score -= 1.2;

  if (input.userTurns > 3) score += 0.3;
  if (input.systemChars > 2_000) score += 0.3;

  const tier: ComplexityTier =
    score < TRIVIAL_BELOW ? 'trivial' : score < HARD_FROM ? 'moderate' : 'hard';
  const distance =
    tier === 'trivial'
      ? TRIVIAL_BELOW - score
      : tier === 'hard'
        ? score - HARD_FROM
        : Math.min(score - TRIVIAL_BELOW, HARD_FROM - score);
  const confidence = Math.min(1, 0.3 + distance * 0.5);
  return { score, tier, confidence };
}

export function createFeatureClassifier(): ComplexityClassifier {
  return {
    name: 'features',
    classify(input): Classification {
      const { tier, confidence } = scoreComplexity(input);
      return { tier, confidence, classifier: 'features' };
    },
  };
}
