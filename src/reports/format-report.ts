// Renders a Report as plain-text tables that fit an 80-column terminal.

import type { Percentiles, Report, SpendDimension, SpendRow } from './build-report.js';

function usd(value: number): string {
  if (value === 0) return '$0';
  if (value < 0.01) return `$${value.toFixed(6)}`;
  return `$${value.toFixed(2)}`;
}

const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const ms = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} ms`);

function table(headers: string[], rows: string[][], alignRight: boolean[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return alignRight[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function spendTable(title: string, rows: SpendRow[]): string {
  if (rows.length === 0) return `${title}: no requests`;
  return `${title}\n${table(
    ['name', 'requests', 'cost', 'share', 'tokens in', 'tokens out', 'unpriced'],
    rows.map((row) => [
      truncate(row.name, 28),
      String(row.requests),
      usd(row.costUsd),
      percent(row.share),
      String(row.inputTokens),
      String(row.outputTokens),
      row.unpricedRequests > 0 ? String(row.unpricedRequests) : '',
    ]),
    [false, true, true, true, true, true, true],
  )}`;
}

const latencyRow = (name: string, value: Percentiles) => [
  name,
  ms(value.p50),
  ms(value.p95),
  ms(value.p99),
  String(value.count),
];

const titles: Record<SpendDimension, string> = {
  feature: 'Spend by feature',
  user: 'Spend by user',
  model: 'Spend by model',
  provider: 'Spend by provider',
  key: 'Spend by key',
};

export function formatReport(report: Report): string {
  const { totals } = report;
  const sections: string[] = [
    `Switchyard report ${report.since} → ${report.until}`,
    `${totals.requests} requests, ${usd(totals.costUsd)} spent, ${totals.inputTokens} tokens in, ${totals.outputTokens} out, errors ${percent(report.errorRate)}` +
      (totals.unpricedRequests > 0
        ? `\n${totals.unpricedRequests} request(s) used a model with no known price: their cost is not in these totals (set pricing.models)`
        : ''),
  ];
  for (const dimension of ['feature', 'user', 'model', 'provider', 'key'] as const) {
    sections.push(spendTable(titles[dimension], report.spend[dimension]));
  }
  const pareto = report.pareto;
  sections.push(
    pareto.features.length === 0
      ? '80/20: no spend in this window'
      : `80/20: ${pareto.features.length} of ${pareto.featureCount} feature(s) make ${percent(
          pareto.features.at(-1)?.cumulativeShare ?? 0,
        )} of spend: ${pareto.features.map((feature) => `${feature.name} (${usd(feature.costUsd)})`).join(', ')}`,
  );
  sections.push(
    `Latency (successful requests)\n${table(
      ['', 'p50', 'p95', 'p99', 'n'],
      [
        latencyRow('TTFT', report.latencyMs.ttft),
        latencyRow('total', report.latencyMs.total),
        latencyRow('overhead', report.latencyMs.overhead),
      ],
      [false, true, true, true, true],
    )}`,
  );
  sections.push(
    `Cache: ${report.cache.hits} hit(s) of ${report.cache.lookups} lookup(s) (${percent(report.cache.hitRate)}), saved ${usd(report.cache.savedUsd)}`,
  );
  sections.push(
    `Fallbacks: ${report.fallbacks.fallbacks} of ${report.fallbacks.requests} upstream-served request(s) (${percent(report.fallbacks.rate)})`,
  );
  if (report.daily.length > 0) {
    sections.push(
      `Daily spend (UTC)\n${table(
        ['day', 'requests', 'cost'],
        report.daily.map((day) => [day.day, String(day.requests), usd(day.costUsd)]),
        [false, true, true],
      )}`,
    );
  }
  return `${sections.join('\n\n')}\n`;
}
