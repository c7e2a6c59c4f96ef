// The built-in complexity classifier: a weighted score over cheap text features (length, code, math,
// multi-step instructions, reasoning cues, conversation depth). No network, a few microseconds.

import type {
  Classification,
  ClassifierInput,
  ComplexityClassifier,
  ComplexityTier,
} from '../complexity.js';

/** Only the first characters are scanned by the regexes (length still counts in full). */
const SCAN_CHARS = 4_000;

const codeFence = /```|^\s{4,}\S.*[;{}]\s*$/m;
const codeSyntax =
  /\b(?:def|class|function|const|let|var|import|return|public|private|static|async|await|struct|impl|fn|func|select|insert|update|join|where|group by)\b.*[({=;:]|=>|#include|\w+\(\w*[,)]|<\/?\w+>/;
const codeTask =
  /\b(?:implement|refactor|debug|optimi[sz]e|algorithm|complexity|concurren\w*|race condition|thread[- ]safe|deadlock|memory leak|regex|unit tests?|write (?:a |an )?(?:\w+ )?(?:function|program|script|class|query|parser|server|module)|big-?o|data structure|api design|schema)\b/;
const mathHard =
  /\b(?:prove|proof|show that|derive|theorem|lemma|uniformly|uncountable|diverges?|recurrence|lagrange|generating functions?|group of|irrational|lemma|integral|integrate|derivative|differentiate|eigen\w*|matrix|matrices|probability|expected value|variance|differential equation|induction|combinatori\w*|asymptotic|convergen\w*|optimization problem|bayes\w*|stochastic|topolog\w*|vector space)\b|[∑∫√≤≥∀∃]|\\(?:frac|sum|int)/;
const arithmetic = /\d+\s*[-+*/×÷^]\s*\d+/;
const numberedSteps = /(?:^|\n)\s*(?:\d+[.)]|[-*•])\s+\S/g;
const sequencing =
  /\b(?:step[- ]by[- ]step|first,?|then|after that|finally|next,|in addition|also include|make sure|each of|for each)\b/g;
const reasoningCues =
  /\b(?:why|explain|analy[sz]e|analysis|compare|contrast|trade-?offs?|design|architect\w*|evaluate|critique|justify|pros and cons|implications?|strateg\w*|plan|recommend|assess|diagnose|investigate|derive|reason|argue|nuanced|in depth|detailed|comprehensive|thorough)\b/g;
const hardDomain =
  /\b(?:consensus|shard\w*|event-sourc\w*|pharmaco\w*|threat|historiograph\w*|evidence|critically|microarchitect\w*|zero-downtime|unit economics|enforceab\w*|obligations|mechanisms?|decoherence|feedback loops|unreliable narrator|foreshadow\w*|rebut\w*|incident|multi-tenant|exactly-once|garbage collector|write barriers?|plugin system|sandbox\w*|distributed|consensus|scalab\w*|fault[- ]toleran\w*|security|vulnerab\w*|threat model|cryptograph\w*|compiler|kernel|lock-free|formal|legal|liabilit\w*|regulat\w*|clinical|diagnos\w*|pharmacokinetic|quantum|machine learning|neural|statistical|econometric|microservices?|migration|production|latency|throughput|benchmark)\b/g;
const taskVerbs =
  /\b(?:write|draft|create|compose|summari[sz]e|rewrite|rephrase|suggest|recommend|plan|outline|describe|explain|proofread|edit|list|give me|make|help me|how do i|how can i|how should|how does|how do (?:vaccines|planes|\w+s) |what causes|causes of|what does \w+(?: \w+)? do|what can i|in plain english|story|solve|calculate|compute|average|area of|interest|speed|what are some|what should|ideas?|tips|steps|examples?|difference between|convert .* (?:into|to) (?:a |an )?\w+ comprehension|translate this (?:paragraph|text|email|document))\b/;
const trivialCues =
  /^(?:hi|hello|hey|thanks|thank you|good (?:morning|night|evening)|ok|okay)\b|\b(?:capital of|translate|synonym|antonym|spell|define|definition of|what time|what day|how many (?:days|hours|minutes|weeks|legs|sides)|stand for|yes or no|one word|rhymes? with|plural of|past tense|fix (?:the )?(?:typo|grammar|spelling)|convert \d|what color|who wrote|who painted|when did|when was|boiling point|how do you say|abbreviation)\b/;

function countMatches(pattern: RegExp, text: string, cap: number): number {
  pattern.lastIndex = 0;
  let count = 0;
  while (count < cap && pattern.exec(text) !== null) count++;
  pattern.lastIndex = 0;
  return count;
}

function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const space = code === 32 || code === 10 || code === 9 || code === 13;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** The score boundaries between tiers; confidence grows with the distance to the nearest one. */
const TRIVIAL_BELOW = 0.6;
const HARD_FROM = 2.4;

export interface FeatureScore {
  score: number;
  tier: ComplexityTier;
  confidence: number;
}

export function scoreComplexity(input: ClassifierInput): FeatureScore {
  const fullText = input.text;
  const text = (
    fullText.length > SCAN_CHARS ? fullText.slice(0, SCAN_CHARS) : fullText
  ).toLowerCase();
  const words = countWords(fullText);
  let score = 0;
  if (words < 6) score -= 0.8;
  else if (words < 20) score += 0.2;
  else if (words < 25) score += 0.5;
  else if (words < 60) score += 0.9;
  else if (words < 150) score += 1.4;
  else score += 2;

  const code = codeFence.test(text);
  if (code) score += 1.2;
  else if (codeSyntax.test(text)) score += 0.6;
  if (codeTask.test(text)) score += 1;
  if (mathHard.test(text)) score += 2;
  else if (arithmetic.test(text) && words < 15) score -= 0.3;

  const steps = countMatches(numberedSteps, text, 10);
  if (steps >= 3) score += 1;
  else if (steps === 2) score += 0.5;
  score += 0.35 * countMatches(sequencing, text, 4);
  let questions = 0;
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) === 63) questions++;
  if (questions >= 2) score += 0.4;

  score += 0.6 * countMatches(reasoningCues, text, 4);
  let separators = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 44 || code === 59 || code === 58) separators++;
  }
  if (separators >= 3) score += 0.6;
  else if (separators === 2) score += 0.3;
  score += 0.6 * countMatches(hardDomain, text, 3);
  if (taskVerbs.test(text)) score += 0.8;
  if (trivialCues.test(text)) score -= 1.2;

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
