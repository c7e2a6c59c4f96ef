// The calculator reproduces the reference case of SPEC C18 (8B on one A100, ~2,000 tokens/s,
// $1.50/h → ~$0.21 per 1M at full use, ~14x cheaper than $3/1M, and how little is left at 10 %).

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgram } from '../cli/create-program.js';
import { computeEconomics, selfHostedPerMTok } from './economics.js';
import { presetsFrom, shippedPresets } from './economics-presets.js';
import { economicsSchema } from '../config/dashboard-schema.js';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≉ ${expected}`);

const reference = {
  gpuHourUsd: 1.5,
  gpusPerReplica: 1,
  tokensPerSecondPerReplica: 2_000,
  apiPricePerMTok: 3,
};

describe('economics calculator', () => {
  it('reproduces the reference case: ~$0.21 per 1M at full use, ~14x cheaper than $3/1M', () => {
    const result = computeEconomics({ ...reference, tokensPerMonth: 1e9, utilisation: 1 });
    // 1.50 $/h ÷ (2,000 tokens/s × 3,600 s) × 1e6 = $0.208333… per 1M tokens.
    close(result.selfHostedPerMTokAtFullUse, 1.5 / 7.2);
    assert.equal(result.selfHostedPerMTokAtFullUse.toFixed(2), '0.21');
    close(result.apiOverSelfHosted, 14.4);
    assert.equal(Math.round(result.apiOverSelfHosted), 14);
    // Break-even at 6.94 % utilisation: one always-on replica ($1,095/month) buys 365M API tokens.
    close(result.breakEvenUtilisation, 0.208333333333 / 3, 1e-9);
    close(result.breakEvenTokensPerMonth, 365_000_000, 1e-3);
  });

  it('shows the collapse at 10 % utilisation: $2.08 per 1M, only 1.44x cheaper', () => {
    const result = computeEconomics({ ...reference, tokensPerMonth: 1e9, utilisation: 0.1 });
    close(result.selfHostedPerMTok, 2.0833333333333335);
    close(result.apiOverSelfHosted, 1.44);
    const rows = result.sensitivity.map((row) => [row.utilisation, row.selfHostedPerMTok]);
    assert.equal(rows.length, 10);
    close(rows[0]?.[1] ?? 0, 2.0833333333333335);
    close(rows[8]?.[1] ?? 0, 0.2314814814814815); // 90 %
    close(result.sensitivity[4]?.apiOverSelfHosted ?? 0, 7.2); // 50 %
  });

  it('sizes replicas for the peak and prices the month at the volume', () => {
    // 2B tokens/month = 761 tokens/s on average; peak 3x = 2,283 tokens/s; at 60 %: 1,200 per replica.
    const result = computeEconomics({
      ...reference,
      tokensPerMonth: 2e9,
      utilisation: 0.6,
      peakToMean: 3,
    });
    close(result.volume.averageTokensPerSecond, 2e9 / (730 * 3600));
    assert.equal(result.volume.replicasForPeak, 2);
    close(result.volume.selfHostedMonthlyUsd, 2 * 1.5 * 730);
    close(result.volume.apiMonthlyUsd, 6_000);
    close(result.volume.monthlySavingUsd, 6_000 - 2_190);
    close(result.volume.effectiveUtilisation, 2e9 / (730 * 3600) / 4_000);
  });

  it('refuses nonsense inputs', () => {
    assert.throws(() => computeEconomics({ ...reference, tokensPerMonth: 1, utilisation: 0 }), {
      message: /utilisation/,
    });
    assert.throws(() => computeEconomics({ ...reference, tokensPerMonth: 1, utilisation: 1.5 }));
    assert.throws(() =>
      computeEconomics({
        ...reference,
        tokensPerSecondPerReplica: 0,
        tokensPerMonth: 1,
        utilisation: 1,
      }),
    );
  });

  it('the shipped 8b-a100 preset is the reference case', () => {
    const preset = shippedPresets['8b-a100'];
    assert.ok(preset);
    close(
      selfHostedPerMTok({
        gpuHourUsd: preset.gpuHourUsd,
        gpusPerReplica: preset.gpusPerReplica,
        tokensPerSecondPerReplica: preset.tokensPerSecond,
      }),
      1.5 / 7.2,
    );
  });

  it('presets from the config add to the shipped ones and replace them by name', () => {
    const config = economicsSchema.parse({
      presets: {
        '8b-a100': { gpuHourUsd: 1.1, tokensPerSecond: 2_400 },
        '8b-ours': { description: 'ours', gpuHourUsd: 0.95, tokensPerSecond: 1_650 },
      },
    });
    const presets = presetsFrom(config);
    assert.deepEqual(presets['8b-a100'], {
      gpuHourUsd: 1.1,
      gpusPerReplica: 1,
      tokensPerSecond: 2_400,
    });
    assert.equal(presets['8b-ours']?.gpusPerReplica, 1);
    assert.ok(presets['8b-h100'], 'the other shipped presets stay');
    assert.throws(() =>
      economicsSchema.parse({ presets: { bad: { gpuHourUsd: -1, tokensPerSecond: 1 } } }),
    );
  });

  it('`switchyard economics` prints the table and --json with the price table price', async () => {
    const run = async (args: string[]) => {
      let out = '';
      let err = '';
      let code = 0;
      const sink = (append: (text: string) => void) =>
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            append(chunk.toString());
            callback();
          },
        });
      const program = createProgram({
        env: {},
        cwd: '/nonexistent-switchyard-dir',
        stdout: sink((text) => (out += text)),
        stderr: sink((text) => (err += text)),
        onSignal: () => undefined,
        exit: (value) => {
          code = value;
        },
      });
      program.exitOverride();
      await program.parseAsync(['node', 'switchyard', 'economics', ...args]);
      return { out, err, code };
    };
    // claude-sonnet-4-5 input is $3/1M in the shipped price table.
    const json = await run([
      '--json',
      '--preset',
      '8b-a100',
      '--api-model',
      'claude-sonnet-4-5',
      '--utilisation',
      '100%',
    ]);
    assert.equal(json.code, 0, json.err);
    const parsed = JSON.parse(json.out) as { apiPerMTok: number; selfHostedPerMTok: number };
    close(parsed.apiPerMTok, 3);
    close(parsed.selfHostedPerMTok, 1.5 / 7.2);
    const text = await run(['--api-price', '3', '--utilisation', '0.1']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /\$0\.2083 +14\.4x cheaper self-hosted/);
    assert.match(text.out, /10% +\$2\.0833 +1\.4x cheaper self-hosted/);
    assert.match(text.out, /Break-even: 6\.9% utilisation/);
    const bad = await run(['--preset', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown 'nope'/);
  });
});
