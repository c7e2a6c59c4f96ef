// Stalls of an idle event loop: a timer that should fire every millisecond and fires late means the
// process was not running (the machine was busy elsewhere, or stopped). Grouped into episodes
// (stalls closer than `gapMs` belong to one), with the interval between episodes, so that a
// periodic disturbance shows its period.

export interface Stall {
  /** When the late timer should have fired (ms, any clock). */
  atMs: number;
  durationMs: number;
}

export interface StallSummary {
  stalls: number;
  totalMs: number;
  maxMs: number;
  /** Share of the observed time the loop was stalled (0–1). */
  stalledShare: number;
  episodes: number;
  /** Median time between the starts of consecutive episodes; undefined with fewer than 3. */
  medianPeriodMs: number | undefined;
  /** Median of the episodes' longest stall. */
  medianEpisodeMaxMs: number | undefined;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarizeStalls(
  stalls: readonly Stall[],
  observedMs: number,
  gapMs = 100,
): StallSummary {
  const ordered = [...stalls].sort((a, b) => a.atMs - b.atMs);
  const episodes: { startMs: number; endMs: number; maxMs: number }[] = [];
  for (const stall of ordered) {
    const last = episodes.at(-1);
    if (last && stall.atMs - last.endMs <= gapMs) {
      last.endMs = Math.max(last.endMs, stall.atMs + stall.durationMs);
      last.maxMs = Math.max(last.maxMs, stall.durationMs);
    } else {
      episodes.push({
        startMs: stall.atMs,
        endMs: stall.atMs + stall.durationMs,
        maxMs: stall.durationMs,
      });
    }
  }
  const totalMs = ordered.reduce((sum, stall) => sum + stall.durationMs, 0);
  const periods = episodes
    .slice(1)
    .map((episode, index) => episode.startMs - episodes[index]!.startMs);
  return {
    stalls: ordered.length,
    totalMs,
    maxMs: ordered.reduce((max, stall) => Math.max(max, stall.durationMs), 0),
    stalledShare: observedMs > 0 ? totalMs / observedMs : 0,
    episodes: episodes.length,
    medianPeriodMs: periods.length >= 2 ? median(periods) : undefined,
    medianEpisodeMaxMs: median(episodes.map((episode) => episode.maxMs)),
  };
}
