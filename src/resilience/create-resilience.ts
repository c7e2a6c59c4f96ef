// Builds the resilience settings of a gateway from its config: breakers per deployment, the
// retry policy per deployment, the request deadline and the clock they share.

import type { ResilienceConfig } from '../config/resilience-schema.js';
import type { Deployment } from '../core/index.js';
import { systemClock, type Clock } from './clock.js';
import { createBreakerRegistry, type BreakerRegistry } from './create-breaker-registry.js';
import type { RetryPolicy } from './retry-policy.js';

export interface Resilience {
  breakers: BreakerRegistry;
  clock: Clock;
  /** The request deadline for an alias: `resilience.aliases.<alias>.requestTimeoutMs` or the global one. */
  requestTimeoutMsFor(alias: string): number;
  /**
   * Retries of a deployment: its own or its provider's `retries`, else the alias's
   * (`resilience.aliases.<alias>.retries`), else `resilience.retries.maxRetries`.
   */
  retryPolicyFor(deployment: Deployment, alias: string): RetryPolicy;
  random: () => number;
}

export interface CreateResilienceOptions {
  config: ResilienceConfig;
  routes: Iterable<{ alias: string; deployments: readonly Deployment[] }>;
  /** Tests inject a manual clock and a fixed random source. */
  clock?: Clock;
  random?: () => number;
}

export function createResilience(options: CreateResilienceOptions): Resilience {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const base: RetryPolicy = {
    maxRetries: config.retries.maxRetries,
    retryOn: config.retries.on,
    baseDelayMs: config.retries.baseDelayMs,
    maxDelayMs: config.retries.maxDelayMs,
    maxRetryAfterMs: config.retries.maxRetryAfterMs,
  };
  const breakerConfig = config.breaker;
  return {
    clock,
    random: options.random ?? Math.random,
    requestTimeoutMsFor(alias) {
      return config.aliases[alias]?.requestTimeoutMs ?? config.requestTimeoutMs;
    },
    breakers: createBreakerRegistry({
      enabled: breakerConfig.enabled,
      clock,
      routes: options.routes,
      policy: {
        consecutiveFailures: breakerConfig.consecutiveFailures,
        cooldownMs: breakerConfig.cooldownMs,
        maxCooldownMs: Math.max(breakerConfig.maxCooldownMs, breakerConfig.cooldownMs),
        ...(breakerConfig.failureRate ? { failureRate: breakerConfig.failureRate } : {}),
      },
    }),
    retryPolicyFor(deployment, alias) {
      const maxRetries = deployment.maxRetries ?? config.aliases[alias]?.retries;
      return maxRetries === undefined ? base : { ...base, maxRetries };
    },
  };
}
