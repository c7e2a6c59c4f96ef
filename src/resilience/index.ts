// Re-exports the resilience building blocks.
export * from './clock.js';
export * from './circuit-breaker.js';
export * from './create-breaker-registry.js';
export * from './create-resilience.js';
export * from './retry-policy.js';
export * from './run-fallback-chain.js';
