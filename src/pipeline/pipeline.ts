// The request pipeline: the stages in run order. Later capabilities (auth, limits, cache, tracing)
// plug in here as stages.

import { configSchema } from '../config/config-schema.js';
import type { Provider } from '../core/index.js';
import { createResilience, type Resilience } from '../resilience/index.js';
import type { ModelCatalog } from '../routing/model-catalog.js';
import type { Routing } from '../routing/create-routing.js';
import type { RequestContext } from './request-context.js';
import { composeStages, type Stage } from './stage.js';
import { createCountTokensStage } from './stages/count-tokens.js';
import { createDecodeRequestStage } from './stages/decode-request.js';
import { createExtractMetadataStage } from './stages/extract-metadata.js';
import { createInvokeUpstreamStage } from './stages/invoke-upstream.js';
import { createResolveRouteStage } from './stages/resolve-route.js';
import { createResponseCacheStage } from './stages/response-cache.js';
import type { ResponseCache } from '../cache/create-response-cache.js';
import type { Governance } from './create-governance.js';

export interface PipelineDeps {
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, Provider>;
  /** Router aliases and residency (src/routing); absent: plain aliases, residency off. */
  routing?: Routing;
  /** Breakers, retry policy, deadline (src/resilience); defaults from an empty config. */
  resilience?: Resilience;
  /** Exact + semantic response cache (src/cache); absent when the config has no `cache`. */
  responseCache?: ResponseCache;
  /** Keys, token rate limits, USD caps (create-governance.ts); absent: keyless, unlimited. */
  governance?: Governance;
  /** First stage: claims the request for this gateway's telemetry, prices JSON answers (src/telemetry). */
  telemetryStage?: Stage;
}

export function createStages(deps: PipelineDeps): Stage[] {
  return [
    ...(deps.telemetryStage ? [deps.telemetryStage] : []),
    createExtractMetadataStage(),
    // Before decoding: an unauthenticated body is never parsed further.
    ...(deps.governance ? [deps.governance.authStage] : []),
    createDecodeRequestStage(),
    createResolveRouteStage({
      catalog: deps.catalog,
      ...(deps.routing ? { routing: deps.routing } : {}),
    }),
    // Token counting (Anthropic count_tokens) is answered here and goes no further.
    createCountTokensStage({ providers: deps.providers }),
    ...(deps.responseCache ? [createResponseCacheStage({ cache: deps.responseCache })] : []),
    // After the cache (a hit costs no upstream tokens or money), right before any upstream call.
    ...(deps.governance?.limitStages ?? []),
    createInvokeUpstreamStage({
      providers: deps.providers,
      resilience:
        deps.resilience ??
        createResilience({
          config: configSchema.parse({}).resilience,
          routes: deps.catalog.aliases().flatMap((alias) => deps.catalog.resolve(alias) ?? []),
        }),
    }),
  ];
}

export function createPipeline(deps: PipelineDeps): (context: RequestContext) => Promise<void> {
  return composeStages(createStages(deps));
}
