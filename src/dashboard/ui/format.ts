// Number formatting for the dashboard: money, shares, durations, token counts, times.

export function usd(value: number): string {
  if (value === 0) return '$0';
  if (value < 0) return `-${usd(-value)}`;
  if (Math.abs(value) < 0.01) return `$${value.toFixed(5)}`;
  if (Math.abs(value) < 1000) return `$${value.toFixed(2)}`;
  return `$${Math.round(value).toLocaleString('en-US')}`;
}

export const percent = (value: number | null, digits = 1): string =>
  value === null || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(digits)}%`;

export const ms = (value: number | null): string =>
  value === null
    ? '—'
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${value.toFixed(0)} ms`;

export function count(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)}B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return String(Math.round(value));
}

export const time = (iso: string): string =>
  new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + 'Z';

/** Escapes text for HTML. */
export function esc(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
