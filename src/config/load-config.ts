// Reads, interpolates and validates the YAML config; errors name the key path and the problem.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { addBedrockEnvDefaults } from './bedrock-provider-config.js';
import { configSchema, type SwitchyardConfig } from './config-schema.js';
import { interpolateEnv, type InterpolationProblem } from './interpolate-env.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid config ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: SwitchyardConfig;
  /** The file it came from, or undefined when no file was found. */
  path: string | undefined;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text ? `.${String(key)}` : String(key);
  }
  return text || '(root)';
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys
      .map((key) => JSON.stringify(key))
      .join(', ')}`;
  }
  return `${path}: ${issue.message}`;
}

/** Validates an already-parsed object (used for files and for built-in configs). */
export function parseConfig(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
  source = '(inline)',
): SwitchyardConfig {
  const problems: InterpolationProblem[] = [];
  // Bedrock providers without region/credentials read the standard AWS variables.
  const interpolated = interpolateEnv(addBedrockEnvDefaults(raw ?? {}), env, problems);
  const messages = problems.map((problem) => `${formatPath(problem.path)}: ${problem.message}`);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    // A key already reported for its missing variable is not reported again as "too small".
    const reported = new Set(problems.map((problem) => formatPath(problem.path)));
    for (const issue of result.error.issues) {
      if (!reported.has(formatPath(issue.path))) messages.push(formatIssue(issue));
    }
  }
  if (messages.length > 0 || !result.success) throw new ConfigError(source, messages);
  return result.data;
}

export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SwitchyardConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      `cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    ]);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      path,
      document.errors.map(
        (error) => `YAML syntax: ${error.message.split('\n')[0] ?? error.message}`,
      ),
    );
  }
  return parseConfig(document.toJS(), env, path);
}
