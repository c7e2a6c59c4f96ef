// Date.prototype.toISOString for a millisecond timestamp, with the date and time of day formatted
// once per second: timestamps of the same second share that text and only append their
// milliseconds. Trace rows and log lines take one per request: ~0.02 µs against ~0.45 µs for
// `new Date(ms).toISOString()` (Node 20, this host).

/** `000Z` … `999Z`: a timestamp's text is its second's prefix and one of these, both shared. */
const millisecondSuffixes: readonly string[] = Array.from(
  { length: 1000 },
  (_, milli) => `${String(milli).padStart(3, '0')}Z`,
);

let cachedSecond = Number.NaN;
/** `YYYY-MM-DDTHH:mm:ss.` of cachedSecond. */
let cachedPrefix = '';

export function isoTime(ms: number): string {
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  if (second !== cachedSecond) {
    const text = new Date(second * 1000).toISOString();
    // Years outside 0000–9999 have a longer form: left to Date.
    if (text.length !== 24) return new Date(ms).toISOString();
    cachedPrefix = text.slice(0, 20);
    cachedSecond = second;
  }
  return cachedPrefix + millisecondSuffixes[whole - second * 1000]!;
}
