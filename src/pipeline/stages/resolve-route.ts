// Stage: maps the requested model alias to its ordered deployment list (404 when unknown).

import { GatewayError } from '../../core/index.js';
import type { ModelCatalog } from '../../routing/model-catalog.js';
import type { Stage } from '../stage.js';

/** Adds: context.route */
export function createResolveRouteStage(deps: { catalog: ModelCatalog }): Stage {
  return async function resolveRoute(context, next) {
    const alias = context.chatRequest?.model ?? context.embeddingsRequest?.model ?? '';
    const route = deps.catalog.resolve(alias);
    if (!route) {
      throw new GatewayError(
        'model_not_found',
        `The model '${alias}' does not exist on this gateway. Known models: ${deps.catalog.aliases().join(', ') || 'none'}.`,
        { param: 'model' },
      );
    }
    context.route = { alias, deployments: route.deployments, reason: `alias:${alias}` };
    context.sink.setHeader('x-switchyard-route', context.route.reason);
    await next();
  };
}
