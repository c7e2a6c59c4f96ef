// Normalised token usage: kept split so that cost, limits and traces never double count cached tokens.

/**
 * Input tokens: `total` = `noCache` + `cacheRead` + `cacheWrite`.
 * Output tokens: `total` = `text` + `reasoning`.
 */
export interface Usage {
  input: { total: number; noCache: number; cacheRead: number; cacheWrite: number };
  output: { total: number; text: number; reasoning: number };
}

export function createUsage(parts: {
  inputNoCache?: number;
  cacheRead?: number;
  cacheWrite?: number;
  outputTotal?: number;
  reasoning?: number;
}): Usage {
  const noCache = parts.inputNoCache ?? 0;
  const cacheRead = parts.cacheRead ?? 0;
  const cacheWrite = parts.cacheWrite ?? 0;
  const outputTotal = parts.outputTotal ?? 0;
  const reasoning = Math.min(parts.reasoning ?? 0, outputTotal);
  return {
    input: { total: noCache + cacheRead + cacheWrite, noCache, cacheRead, cacheWrite },
    output: { total: outputTotal, text: outputTotal - reasoning, reasoning },
  };
}

export function emptyUsage(): Usage {
  return createUsage({});
}
