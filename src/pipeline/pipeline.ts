// The request pipeline: the stages in run order. Later capabilities (auth, limits, cache, tracing)
// plug in here as stages.

import { configSchema } from '../config/config-schema.js';
import type { Provider } from '../core/index.js';
import { createResilience, type Resilience } from '../resilience/index.js';
import type { ModelCatalog } from '../routing/model-catalog.js';
import type { RequestContext } from './request-context.js';
import { composeStages, type Stage } from './stage.js';
import { createCountTokensStage } from './stages/count-tokens.js';
import { createDecodeRequestStage } from './stages/decode-request.js';
import { createExtractMetadataStage } from './stages/extract-metadata.js';
import { createInvokeUpstreamStage } from './stages/invoke-upstream.js';
import { createResolveRouteStage } from './stages/resolve-route.js';
import { createResponseCacheStage } from './stages/response-cache.js';
import type { ResponseCache } from '../cache/create-response-cache.js';

export interface PipelineDeps {
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, Provider>;
  /** Breakers, retry policy, deadline (src/resilience); defaults from an empty config. */
  resilience?: Resilience;
  /** Exact + semantic response cache (src/cache); absent when the config has no `cache`. */
  responseCache?: ResponseCache;
}

export function createStages(deps: PipelineDeps): Stage[] {
  return [
    createExtractMetadataStage(),
    createDecodeRequestStage(),
    createResolveRouteStage({ catalog: deps.catalog }),
    // Token counting (Anthropic count_tokens) is answered here and goes no further.
    createCountTokensStage({ providers: deps.providers }),
    ...(deps.responseCache ? [createResponseCacheStage({ cache: deps.responseCache })] : []),
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
