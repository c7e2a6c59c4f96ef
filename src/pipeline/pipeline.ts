// The request pipeline: the stages in run order. Later capabilities (auth, limits, cache, tracing)
// plug in here as stages.

import type { Provider } from '../core/index.js';
import type { ModelCatalog } from '../routing/model-catalog.js';
import type { RequestContext } from './request-context.js';
import { composeStages, type Stage } from './stage.js';
import { createCountTokensStage } from './stages/count-tokens.js';
import { createDecodeRequestStage } from './stages/decode-request.js';
import { createExtractMetadataStage } from './stages/extract-metadata.js';
import { createInvokeUpstreamStage } from './stages/invoke-upstream.js';
import { createResolveRouteStage } from './stages/resolve-route.js';

export interface PipelineDeps {
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, Provider>;
}

export function createStages(deps: PipelineDeps): Stage[] {
  return [
    createExtractMetadataStage(),
    createDecodeRequestStage(),
    createResolveRouteStage({ catalog: deps.catalog }),
    // Token counting (Anthropic count_tokens) is answered here and goes no further.
    createCountTokensStage({ providers: deps.providers }),
    createInvokeUpstreamStage({ providers: deps.providers }),
  ];
}

export function createPipeline(deps: PipelineDeps): (context: RequestContext) => Promise<void> {
  return composeStages(createStages(deps));
}
