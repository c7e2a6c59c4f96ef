// Shipped starting points for `switchyard economics`: a model size on a GPU type, its hourly price
// and a sustained throughput. The prices are typical on-demand cloud list prices (late 2026) and
// the throughputs rough figures for vLLM at high batch; both vary a lot by provider, model,
// prompt/output mix and settings. Replace them with your own (economics.presets in the config).
// The 8b-a100 row is the reference case of SPEC C18 (~2,000 tokens/s sustained, $1.50/h).

import type { EconomicsConfig, GpuPreset } from '../config/dashboard-schema.js';

export const shippedPresets: Record<string, GpuPreset> = {
  '8b-a100': {
    description: '8B model on 1x A100 80GB',
    gpuHourUsd: 1.5,
    gpusPerReplica: 1,
    tokensPerSecond: 2_000,
  },
  '8b-h100': {
    description: '8B model on 1x H100 80GB',
    gpuHourUsd: 2.5,
    gpusPerReplica: 1,
    tokensPerSecond: 4_000,
  },
  '8b-l4': {
    description: '8B model on 1x L4 24GB',
    gpuHourUsd: 0.7,
    gpusPerReplica: 1,
    tokensPerSecond: 500,
  },
  '8b-a10g': {
    description: '8B model on 1x A10G 24GB',
    gpuHourUsd: 1.0,
    gpusPerReplica: 1,
    tokensPerSecond: 700,
  },
  '70b-a100x4': {
    description: '70B model on 4x A100 80GB (tensor parallel)',
    gpuHourUsd: 1.5,
    gpusPerReplica: 4,
    tokensPerSecond: 1_500,
  },
  '70b-h100x2': {
    description: '70B model on 2x H100 80GB (FP8, tensor parallel)',
    gpuHourUsd: 2.5,
    gpusPerReplica: 2,
    tokensPerSecond: 1_800,
  },
};

/** The shipped presets with the config's added or replaced by name. */
export function presetsFrom(config: Pick<EconomicsConfig, 'presets'>): Record<string, GpuPreset> {
  return { ...shippedPresets, ...config.presets };
}
