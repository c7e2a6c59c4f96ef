// Plain-text tables for `switchyard economics` (the calculator and the advisor from traces).

import type { AdvisorReport } from './economics-advisor.js';
import type { EconomicsResult } from './economics.js';

export function usd(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '—';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (abs >= 1000) return `${sign}$${Math.round(abs).toLocaleString('en-US')}`;
  return `${sign}$${abs.toFixed(digits)}`;
}

export const percent = (value: number, digits = 0) =>
  Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : '—';

export function tokens(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)}B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return String(Math.round(value));
}

/** "14.4× cheaper" / "2.0× dearer" for API price ÷ self-hosted price. */
export function ratio(apiOverSelfHosted: number): string {
  if (!Number.isFinite(apiOverSelfHosted) || apiOverSelfHosted <= 0) return '—';
  return apiOverSelfHosted >= 1
    ? `${apiOverSelfHosted.toFixed(1)}x cheaper self-hosted`
    : `${(1 / apiOverSelfHosted).toFixed(1)}x dearer self-hosted`;
}

export function table(headers: string[], rows: string[][], alignRight: boolean[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        alignRight[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

export function formatEconomics(
  result: EconomicsResult,
  labels: { selfHosted: string; api: string },
): string {
  const { input, volume } = result;
  const lines = [
    `Self-hosted: ${labels.selfHosted}: ${input.gpusPerReplica} GPU x ${usd(input.gpuHourUsd)}/h, ${input.tokensPerSecondPerReplica} tokens/s sustained per replica`,
    `API:         ${labels.api}: ${usd(input.apiPricePerMTok, 4)} per 1M tokens`,
    '',
    table(
      ['', 'per 1M tokens', 'vs API'],
      [
        [
          'self-hosted, 100% utilised',
          usd(result.selfHostedPerMTokAtFullUse, 4),
          ratio(result.apiPerMTok / result.selfHostedPerMTokAtFullUse),
        ],
        [
          `self-hosted, ${percent(input.utilisation)} utilised (target)`,
          usd(result.selfHostedPerMTok, 4),
          ratio(result.apiOverSelfHosted),
        ],
        ['API', usd(result.apiPerMTok, 4), ''],
      ],
      [false, true, false],
    ),
    '',
    `Break-even: ${percent(result.breakEvenUtilisation, 1)} utilisation, i.e. ${tokens(result.breakEvenTokensPerMonth)} tokens/month keep one always-on replica (${usd(result.replicaHourUsd * 730)}/month) as cheap as the API; below that the API is cheaper.`,
    '',
    `At ${tokens(input.tokensPerMonth)} tokens/month (average ${volume.averageTokensPerSecond.toFixed(1)} tokens/s, peak ${volume.peakTokensPerSecond.toFixed(1)} tokens/s = ${input.peakToMean.toFixed(2)}x the average):`,
    `  replicas for the peak at ${percent(input.utilisation)}: ${volume.replicasForPeak}, always on: ${usd(volume.selfHostedMonthlyUsd)}/month, really ${percent(volume.effectiveUtilisation, 1)} utilised = ${usd(volume.effectivePerMTok, 4)} per 1M`,
    `  API: ${usd(volume.apiMonthlyUsd)}/month`,
    `  ${volume.monthlySavingUsd >= 0 ? `self-hosting saves ${usd(volume.monthlySavingUsd)}/month` : `the API is cheaper by ${usd(-volume.monthlySavingUsd)}/month`}`,
    '',
    'Sensitivity to utilisation',
    table(
      ['utilisation', 'self-hosted $/1M', 'vs API'],
      result.sensitivity.map((row) => [
        percent(row.utilisation),
        usd(row.selfHostedPerMTok, 4),
        ratio(row.apiOverSelfHosted),
      ]),
      [true, true, false],
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export function formatAdvice(report: AdvisorReport): string {
  const preset = report.preset;
  const lines = [
    `Economics advisor ${report.since} → ${report.until} (${report.windowDays.toFixed(1)} days)`,
    `Self-hosted option: ${preset.name} (${preset.description ?? ''}: ${preset.gpusPerReplica} GPU x ${usd(preset.gpuHourUsd)}/h, ${preset.tokensPerSecond} tokens/s per replica), sized for the peak hour at ${percent(report.targetUtilisation)}`,
    '',
  ];
  if (report.features.length === 0) {
    lines.push('No API traffic in this window.');
  } else {
    lines.push(
      table(
        [
          'feature',
          'tokens/mo',
          'API $/mo',
          'API $/1M',
          'peak h',
          'peak tok/s',
          'replicas',
          'util',
          'self $/mo',
          'saving $/mo',
          'pays?',
        ],
        report.features.map((feature) => [
          feature.feature.length > 24 ? `${feature.feature.slice(0, 23)}…` : feature.feature,
          tokens(feature.tokensPerMonth),
          usd(feature.apiMonthlyUsd),
          feature.apiPerMTok === null ? '—' : usd(feature.apiPerMTok, 3),
          `${String(feature.peakHourUtc).padStart(2, '0')}:00`,
          feature.peakTokensPerSecond.toFixed(1),
          String(feature.replicas),
          percent(feature.effectiveUtilisation),
          usd(feature.selfHostedMonthlyUsd),
          usd(feature.monthlySavingUsd),
          feature.crossesBreakEven ? 'yes' : 'no',
        ]),
        [false, true, true, true, true, true, true, true, true, true, false],
      ),
    );
    const crossing = report.features.filter((feature) => feature.crossesBreakEven);
    lines.push(
      '',
      crossing.length === 0
        ? 'No feature crosses the break-even on this option.'
        : `Crossing the break-even: ${crossing.map((feature) => `${feature.feature} (saves ${usd(feature.monthlySavingUsd)}/month, ${(feature.apiMonthlyUsd / feature.selfHostedMonthlyUsd).toFixed(1)}x its self-hosted cost)`).join('; ')}`,
    );
  }
  lines.push('', 'Assumptions:', ...report.assumptions.map((text) => `- ${text}`));
  return `${lines.join('\n')}\n`;
}
