// Stage: maps the requested model alias to its ordered deployment list (404 when unknown). A router
// alias (`auto`) first picks the alias by rules and complexity; residency then filters or orders the
// chain by the request's region.

import { GatewayError } from '../../core/index.js';
import { tenantOf } from '../../cache/tenant-of.js';
import { applyResidency, type ResidencyPolicy } from '../../routing/apply-residency.js';
import type { Routing } from '../../routing/create-routing.js';
import type { RouteFacts } from '../../routing/match-router-rule.js';
import type { ModelCatalog } from '../../routing/model-catalog.js';
import { describeRequest } from '../../routing/request-shape.js';
import { setRequestTenant } from '../../upstream/request-tenant.js';
import type { RequestContext } from '../request-context.js';
import type { Stage } from '../stage.js';

/** A per-key residency policy, when keys carry one (read structurally: not every key store has it). */
function keyResidency(context: RequestContext): ResidencyPolicy | undefined {
  const residency = (context.key as { residency?: unknown } | undefined)?.residency;
  return residency === 'off' || residency === 'prefer' || residency === 'strict'
    ? residency
    : undefined;
}

function metadataOf(context: RequestContext): Record<string, string> {
  const metadata: Record<string, string> = {};
  const body = context.body.metadata;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value === 'string') metadata[key] = value;
    }
  }
  for (const [key, value] of Object.entries(context.metadata)) {
    if (typeof value === 'string') metadata[key] = value;
  }
  return metadata;
}

function poolTenant(context: RequestContext): string {
  const key = context.key;
  if (key?.team !== undefined) return `team:${key.team}`;
  if (key !== undefined) return `user:${key.user ?? key.id}`;
  return tenantOf(context);
}

/** Adds: context.route */
export function createResolveRouteStage(deps: { catalog: ModelCatalog; routing?: Routing }): Stage {
  const routers = deps.routing?.routers ?? new Map();
  const defaultResidency = deps.routing?.residency ?? 'off';
  return async function resolveRoute(context, next) {
    const requested = context.chatRequest?.model ?? context.embeddingsRequest?.model ?? '';
    const key = context.key;
    // The key's region wins over the x-switchyard-region header (a client cannot pick its way out).
    const region = key?.region ?? context.metadata.region;
    let alias = requested;
    let reason = `alias:${requested}`;
    let routerInfo: NonNullable<RequestContext['route']>['router'];
    const router = routers.get(requested);
    if (router) {
      if (!context.chatRequest) {
        throw new GatewayError(
          'invalid_request',
          `'${requested}' is a router alias; it routes chat requests only.`,
          { param: 'model' },
        );
      }
      const facts: RouteFacts = {
        shape: describeRequest(context.chatRequest),
        feature: context.metadata.feature,
        user: context.metadata.user,
        region,
        keyTier: key?.tier,
        metadata: metadataOf(context),
      };
      const decision = await router.decide(facts, context.signal);
      alias = decision.alias;
      reason = decision.reason;
      routerInfo = {
        name: decision.router,
        classifyMicros: decision.classifyMicros,
        ...(decision.tier !== undefined ? { tier: decision.tier } : {}),
        ...(decision.rule !== undefined ? { rule: decision.rule } : {}),
        ...(decision.classification
          ? {
              classifier: decision.classification.classifier,
              confidence: decision.classification.confidence,
            }
          : {}),
      };
    }
    const route = deps.catalog.resolve(alias);
    if (!route) {
      const known = [...deps.catalog.aliases(), ...routers.keys()];
      throw new GatewayError(
        'model_not_found',
        `The model '${alias}' does not exist on this gateway. Known models: ${known.join(', ') || 'none'}.`,
        { param: 'model' },
      );
    }
    const residency = keyResidency(context) ?? defaultResidency;
    const deployments = applyResidency({
      alias,
      deployments: route.deployments,
      region,
      policy: residency,
    });
    if (region !== undefined && residency !== 'off')
      reason += `;region=${region};residency=${residency}`;
    context.route = {
      alias,
      deployments,
      reason,
      ...(routerInfo ? { router: routerInfo } : {}),
      ...(region !== undefined ? { region } : {}),
      residency,
    };
    context.sink.setHeader('x-switchyard-route', reason);
    // Replica pools salt vLLM's prefix cache per tenant (src/upstream/replica-pool-provider.ts).
    // The key's team (or user) is the tenant when there is a key; else the cache's notion of it.
    if (context.chatRequest) setRequestTenant(context.chatRequest, poolTenant(context));
    await next();
  };
}
