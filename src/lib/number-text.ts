// A number's decimal text for per-request output (headers, log lines, trace rows), without V8's
// number-string cache.
//
// String(n), `${n}`, '' + n and n.toString() look the number up in V8's number-string cache, and
// on a miss allocate its text *in the old generation* (the cache lives there) and store it in the
// cache, where the next different number with the same hash replaces it. Numbers that change with
// every request (tokens remaining, durations, costs) miss every time: ~16 bytes of old-generation
// garbage per conversion, which only a mark-compact frees. The bench's token rate-limit headers
// and trace rows made ~90 B of it per request, most of the gateway's old-generation growth and so
// of how often it paused for a mark-compact (BENCHMARKS.md, twenty-second session).
// JSON.stringify writes the same digits for a finite number into a young-generation string that
// the next scavenge frees.

/** String(value), for a per-request number, without allocating in the old generation. */
export function numberText(value: number): string {
  // JSON writes NaN and ±Infinity as null; String's text for them is a constant anyway.
  return Number.isFinite(value) ? JSON.stringify(value) : String(value);
}
