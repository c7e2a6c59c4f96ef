// One circuit breaker per deployment id, created up front from the model catalog so that every
// deployment shows in GET /admin/providers; state changes go out on the diagnostics channel.

import type { Deployment } from '../core/index.js';
import { publishBreakerStateChanged } from '../telemetry/events.js';
import {
  createCircuitBreaker,
  type BreakerPolicy,
  type BreakerSnapshot,
  type CircuitBreaker,
} from './circuit-breaker.js';
import type { Clock } from './clock.js';

export interface DeploymentHealth {
  deployment: string;
  provider: string;
  model: string;
  aliases: string[];
  breaker: BreakerSnapshot;
}

export interface BreakerRegistry {
  /** The breaker of a deployment; undefined when breakers are disabled. */
  get(deployment: Deployment): CircuitBreaker | undefined;
  /** Every known deployment with its breaker state, in catalog order. */
  describe(): DeploymentHealth[];
}

export interface BreakerRegistryOptions {
  /** false: no breakers (every attempt allowed), as `resilience.breaker.enabled: false`. */
  enabled: boolean;
  policy: BreakerPolicy;
  clock: Clock;
  /** alias → deployments, to pre-create breakers and list aliases per deployment. */
  routes: Iterable<{ alias: string; deployments: readonly Deployment[] }>;
}

interface Entry {
  deployment: Deployment;
  aliases: string[];
  breaker: CircuitBreaker;
}

export function createBreakerRegistry(options: BreakerRegistryOptions): BreakerRegistry {
  const entries = new Map<string, Entry>();

  function entryFor(deployment: Deployment): Entry {
    let entry = entries.get(deployment.id);
    if (!entry) {
      entry = {
        deployment,
        aliases: [],
        breaker: createCircuitBreaker({
          policy: options.policy,
          clock: options.clock,
          onStateChange: (change) =>
            publishBreakerStateChanged({
              deployment: deployment.id,
              provider: deployment.provider,
              from: change.from,
              to: change.to,
              reason: change.reason,
              at: Date.now(),
              consecutiveFailures: change.snapshot.consecutiveFailures,
              cooldownMs: change.snapshot.cooldownMs,
            }),
        }),
      };
      entries.set(deployment.id, entry);
    }
    return entry;
  }

  for (const route of options.routes) {
    for (const deployment of route.deployments) {
      const entry = entryFor(deployment);
      if (!entry.aliases.includes(route.alias)) entry.aliases.push(route.alias);
    }
  }

  return {
    get(deployment) {
      return options.enabled ? entryFor(deployment).breaker : undefined;
    },
    describe() {
      return [...entries.values()].map((entry) => ({
        deployment: entry.deployment.id,
        provider: entry.deployment.provider,
        model: entry.deployment.model,
        aliases: entry.aliases,
        breaker: options.enabled
          ? entry.breaker.snapshot()
          : { ...entry.breaker.snapshot(), state: 'closed' as const },
      }));
    },
  };
}
