// Which sampling parameters an Anthropic request may carry, by API version and model.
//
// Sources (checked 2026-11):
// - https://platform.claude.com/docs/en/api/versioning — API version 2026-10-21 removes
//   `temperature`, `top_p` and `top_k`: a request that sends any of them, at any value (even the
//   default), gets a 400 ("temperature: Extra inputs are not permitted"). The current SDKs
//   (TypeScript 1.x, Python 2.x) send 2026-10-21 and no longer have these fields at all.
// - Under 2023-06-01, Claude models from Opus 4.7 / Sonnet 5 / Haiku 5.5 on (and Fable, Mythos)
//   reject them too ("`temperature` is deprecated for this model.", e.g. BerriAI/litellm#26444,
//   Comfy-Org/ComfyUI#13923), and the 4.x models from Opus 4.1 / Sonnet 4.5 / Haiku 4.5 on refuse
//   `temperature` and `top_p` together ("`temperature` and `top_p` cannot both be specified for
//   this model", open-webui#17922, litellm#15097).
// The provider applies these rules explicitly: with `unsupportedParameters: 'drop'` (default) the
// parameter is left out of the upstream request; with 'refuse' the request fails with a 400 naming
// it, before any upstream call.

import { GatewayError } from '../../core/index.js';

export type SamplingParameter = 'temperature' | 'top_p' | 'top_k';

export interface SamplingRule {
  /** Parameters the upstream would reject, with the reason. */
  rejected: Partial<Record<SamplingParameter, string>>;
}

interface ModelVersion {
  family: string;
  major: number;
  minor: number;
}

/** `claude-opus-4-7`, `claude-sonnet-4-5-20250929`, `claude-haiku-5-5`, `us.anthropic.claude-opus-5`… */
function parseModel(model: string): ModelVersion | undefined {
  const match = /claude-([a-z]+)-(\d+)(?:-(\d{1,2})(?!\d))?/.exec(model);
  if (!match) return undefined;
  return {
    family: match[1] as string,
    major: Number(match[2]),
    minor: match[3] === undefined ? 0 : Number(match[3]),
  };
}

function atLeast(version: ModelVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/** Models that reject every sampling parameter under any API version. */
function rejectsAllSampling(model: string): boolean {
  if (/fable|mythos/i.test(model)) return true;
  const version = parseModel(model);
  if (!version) return false;
  switch (version.family) {
    case 'opus':
      return atLeast(version, 4, 7);
    case 'sonnet':
      return atLeast(version, 5, 0);
    case 'haiku':
      return atLeast(version, 5, 5);
    default:
      return false;
  }
}

/** Models that accept `temperature` or `top_p`, but not both. */
function rejectsTemperatureWithTopP(model: string): boolean {
  const version = parseModel(model);
  if (!version) return false;
  switch (version.family) {
    case 'opus':
      return atLeast(version, 4, 1);
    case 'sonnet':
      return atLeast(version, 4, 5);
    case 'haiku':
      return atLeast(version, 4, 5);
    default:
      return false;
  }
}

/** API versions are dates; every version from 2026-10-21 on has no sampling parameters. */
export function versionRemovesSampling(apiVersion: string): boolean {
  return apiVersion >= '2026-10-21';
}

export function applyAnthropicParameterRules(options: {
  /** The request body being built (mutated: rejected parameters are deleted when dropping). */
  body: Record<string, unknown>;
  apiVersion: string;
  model: string;
  policy: 'drop' | 'refuse';
}): void {
  const { body, apiVersion, model, policy } = options;
  const present = (['temperature', 'top_p', 'top_k'] as const).filter(
    (name) => body[name] !== undefined && body[name] !== null,
  );
  if (present.length === 0) return;
  const rejected: Partial<Record<SamplingParameter, string>> = {};
  if (versionRemovesSampling(apiVersion)) {
    for (const name of present) {
      rejected[name] = `anthropic-version ${apiVersion} removed '${name}'`;
    }
  } else if (rejectsAllSampling(model)) {
    for (const name of present) rejected[name] = `model ${model} does not accept '${name}'`;
  } else if (
    rejectsTemperatureWithTopP(model) &&
    present.includes('temperature') &&
    present.includes('top_p')
  ) {
    // Keep temperature, the parameter clients mean; top_p goes.
    rejected.top_p = `model ${model} does not accept 'temperature' and 'top_p' together`;
  }
  for (const [name, reason] of Object.entries(rejected) as Array<[SamplingParameter, string]>) {
    if (policy === 'refuse') {
      throw new GatewayError(
        'invalid_request',
        `'${name}' cannot be sent to this deployment: ${reason}. Remove it, or configure the provider with unsupportedParameters: drop.`,
        { param: name },
      );
    }
    delete body[name];
  }
}
