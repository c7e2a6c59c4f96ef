// Model aliases → ordered deployment lists, with each deployment's effective timeouts.

import type { Deployment, Timeouts } from '../core/index.js';
import type { SwitchyardConfig, TimeoutsConfig } from '../config/config-schema.js';

/** Defaults: generous enough for long generations, short enough that a hang falls back. */
export const defaultTimeouts: Timeouts = {
  connectMs: 5_000,
  firstByteMs: 60_000,
  idleMs: 30_000,
  totalMs: 600_000,
};

export interface ModelRoute {
  alias: string;
  deployments: Deployment[];
}

export interface ModelCatalog {
  resolve(alias: string): ModelRoute | undefined;
  aliases(): string[];
  /** Router aliases (`routing.routers`, e.g. `auto`): listed by GET /v1/models, resolved by routing. */
  routers?(): string[];
}

function mergeTimeouts(...layers: Array<TimeoutsConfig | undefined>): Timeouts {
  const result = { ...defaultTimeouts };
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of Object.keys(result) as Array<keyof Timeouts>) {
      const value = layer[key];
      if (value !== undefined) result[key] = value;
    }
  }
  return result;
}

export function createModelCatalog(config: SwitchyardConfig): ModelCatalog {
  const routes = new Map<string, ModelRoute>();
  for (const [alias, deployments] of Object.entries(config.models)) {
    routes.set(alias, {
      alias,
      deployments: deployments.map((deployment) => {
        const provider = config.providers[deployment.provider];
        const region = deployment.region ?? provider?.region;
        const maxRetries = deployment.retries ?? provider?.retries;
        return {
          id: `${deployment.provider}/${deployment.model}`,
          provider: deployment.provider,
          model: deployment.model,
          ...(region !== undefined ? { region } : {}),
          ...(maxRetries !== undefined ? { maxRetries } : {}),
          timeouts: mergeTimeouts(config.timeouts, provider?.timeouts, deployment.timeouts),
        };
      }),
    });
  }
  return {
    resolve: (alias) => routes.get(alias),
    aliases: () => [...routes.keys()],
    routers: () => Object.keys(config.routing.routers),
  };
}
