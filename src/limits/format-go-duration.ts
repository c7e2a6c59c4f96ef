// Durations as OpenAI writes them in x-ratelimit-reset-* headers: Go's time.Duration format
// (`12ms`, `1s`, `1.5s`, `6m0s`, `1h2m3s`).

export function formatGoDuration(milliseconds: number): string {
  const ms = Math.max(0, Math.round(milliseconds));
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const secondsMs = ms % 60_000;
  // Seconds keep their fraction without trailing zeros, as Go prints them (integer arithmetic, no
  // toFixed + regex: this runs for the reset header of every rate-limited request).
  const fraction = secondsMs % 1000;
  const whole = (secondsMs - fraction) / 1000;
  const seconds =
    fraction === 0
      ? String(whole)
      : fraction % 100 === 0
        ? `${whole}.${fraction / 100}`
        : fraction % 10 === 0
          ? `${whole}.${fraction < 100 ? '0' : ''}${fraction / 10}`
          : `${whole}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
