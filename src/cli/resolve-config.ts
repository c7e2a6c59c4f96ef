// Finds the config to run with: --config, ./switchyard.yaml, OPENAI_API_KEY, or demo mode.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SwitchyardConfig } from '../config/config-schema.js';
import { createDemoConfig, createOpenAIEnvConfig } from '../config/default-configs.js';
import { loadConfigFile, parseConfig } from '../config/load-config.js';

export type ConfigSource =
  { type: 'file'; path: string } | { type: 'openai-env' } | { type: 'demo' };

export interface ResolvedConfig {
  config: SwitchyardConfig;
  source: ConfigSource;
}

export const defaultConfigFile = 'switchyard.yaml';

export async function resolveConfig(options: {
  configPath: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Starts the demo emulator when demo mode is chosen; returns its OpenAI base URL. */
  startDemoUpstream: () => Promise<string>;
}): Promise<ResolvedConfig> {
  const explicit = options.configPath ?? options.env.SWITCHYARD_CONFIG;
  if (explicit) {
    const path = resolve(options.cwd, explicit);
    return { config: await loadConfigFile(path, options.env), source: { type: 'file', path } };
  }
  const implicit = resolve(options.cwd, defaultConfigFile);
  if (existsSync(implicit)) {
    return {
      config: await loadConfigFile(implicit, options.env),
      source: { type: 'file', path: implicit },
    };
  }
  if (options.env.OPENAI_API_KEY) {
    return {
      config: parseConfig(createOpenAIEnvConfig(), options.env, 'built-in OpenAI config'),
      source: { type: 'openai-env' },
    };
  }
  const baseUrl = await options.startDemoUpstream();
  return {
    config: parseConfig(createDemoConfig(baseUrl), options.env, 'built-in demo config'),
    source: { type: 'demo' },
  };
}
