// Config of the dashboard (/ui and the /admin/stats API) and of `switchyard economics` (GPU presets,
// the API price compared against). docs/dashboard.md, docs/economics.md.

import { z } from 'zod';

export const dashboardSchema = z.strictObject({
  /** false: no /ui and no /admin/stats. */
  enabled: z.boolean().default(true),
  /**
   * Read-only bearer keys for /admin/stats (the dashboard's data), besides admin.apiKey. With
   * neither configured the stats API answers only when the gateway binds a loopback address.
   */
  viewerKeys: z.array(z.string().min(16, 'a viewer key needs at least 16 characters')).default([]),
  /** Auto-refresh period of the page. */
  refreshSeconds: z.number().int().min(2).max(3600).default(15),
});

export const gpuPresetSchema = z.strictObject({
  /** What it is, shown in tables: e.g. "8B model on 1× A100 80GB". */
  description: z.string().min(1).optional(),
  gpuHourUsd: z.number().positive(),
  gpusPerReplica: z.number().int().positive().default(1),
  /** Sustained tokens per second of one replica, all token classes. Measure yours. */
  tokensPerSecond: z.number().positive(),
});

export const economicsSchema = z.strictObject({
  /** Added to (or replacing by name) the shipped presets of src/reports/economics-presets.ts. */
  presets: z.record(z.string().min(1), gpuPresetSchema).default({}),
  /** Preset used when none is named. */
  defaultPreset: z.string().min(1).default('8b-a100'),
  /** Utilisation a self-hosted replica is planned at (peak sizing, cost at target). */
  targetUtilisation: z.number().gt(0).max(1).default(0.6),
  /** Model from the price table whose API price is compared (when no price is given). */
  compareModel: z.string().min(1).default('claude-sonnet-4-5'),
  /** Share of tokens that are output, to blend the API's input and output prices. */
  outputShare: z.number().min(0).max(1).default(0),
});

export type DashboardConfig = z.output<typeof dashboardSchema>;
export type EconomicsConfig = z.output<typeof economicsSchema>;
export type GpuPreset = z.output<typeof gpuPresetSchema>;
