// Stage: maps the requested model alias to its ordered deployment list (404 when unknown). A router
// alias (`auto`) first picks the alias by rules and complexity; residency then filters or orders the
// chain by the request's region.

import { GatewayError } from '../../core/index.js';
import { tenantOf } from '../../cache/tenant-of.js';
import { applyResidency, type ResidencyPolicy } from '../../routing/apply-residency.js';
import type { Routing } from '../../routing/create-routing.js';
import type { RouteFacts } from '../../routing/match-router-rule.js';
import type { ModelCatalog, ModelRoute } from '../../routing/model-catalog.js';
import type { Router } from '../../routing/create-router.js';
import { describeRequest } from '../../routing/request-shape.js';
import { requestTenantsWanted, setRequestTenant } from '../../upstream/request-tenant.js';
import type { RequestContext } from '../request-context.js';
import type { Next, Stage } from '../stage.js';

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

type Route = NonNullable<RequestContext['route']>;
type RouterInfo = Route['router'];

/** Routes that are the same for every request to an alias (no router, no region), made once. */
interface SharedRoutes {
  /** The catalog's route they were made from (a catalog that changes gets new ones). */
  source: ModelRoute;
  byResidency: Partial<Record<ResidencyPolicy, Route>>;
}

/** Adds: context.route */
export function createResolveRouteStage(deps: { catalog: ModelCatalog; routing?: Routing }): Stage {
  const routers = deps.routing?.routers ?? new Map<string, Router>();
  const defaultResidency = deps.routing?.residency ?? 'off';
  const shared = new Map<string, SharedRoutes>();

  /** The deployments, reason and residency of the chosen alias; sets context.route. */
  function settleRoute(
    context: RequestContext,
    alias: string,
    reason: string | undefined,
    routerInfo: RouterInfo,
    region: string | undefined,
  ): void {
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
    if (reason === undefined && region === undefined) {
      // A plain alias with no region: the same route every time (read-only downstream).
      let entry = shared.get(alias);
      if (entry?.source !== route) {
        entry = { source: route, byResidency: {} };
        shared.set(alias, entry);
      }
      let common = entry.byResidency[residency];
      if (!common) {
        common = Object.freeze({
          alias,
          deployments: route.deployments,
          reason: `alias:${alias}`,
          residency,
        });
        entry.byResidency[residency] = common;
      }
      context.route = common;
      context.sink.setHeader('x-switchyard-route', common.reason);
      return;
    }
    let routeReason = reason ?? `alias:${alias}`;
    const deployments =
      region === undefined || residency === 'off'
        ? route.deployments
        : applyResidency({ alias, deployments: route.deployments, region, policy: residency });
    if (region !== undefined && residency !== 'off')
      routeReason += `;region=${region};residency=${residency}`;
    const settled: Route = { alias, deployments, reason: routeReason };
    if (routerInfo) settled.router = routerInfo;
    if (region !== undefined) settled.region = region;
    settled.residency = residency;
    context.route = settled;
    context.sink.setHeader('x-switchyard-route', routeReason);
  }

  /** A router alias (`auto`): the router picks the alias first. */
  async function resolveWithRouter(
    context: RequestContext,
    next: Next,
    requested: string,
    router: Router,
  ): Promise<void> {
    if (!context.chatRequest) {
      throw new GatewayError(
        'invalid_request',
        `'${requested}' is a router alias; it routes chat requests only.`,
        { param: 'model' },
      );
    }
    const key = context.key;
    const region = key?.region ?? context.metadata.region;
    const facts: RouteFacts = {
      shape: describeRequest(context.chatRequest),
      feature: context.metadata.feature,
      user: context.metadata.user,
      region,
      keyTier: key?.tier,
      metadata: metadataOf(context),
    };
    const decision = await router.decide(facts, context.signal);
    const routerInfo: NonNullable<RouterInfo> = {
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
    settleRoute(context, decision.alias, decision.reason, routerInfo, region);
    setTenant(context);
    await next();
  }

  // Replica pools salt vLLM's prefix cache per tenant (src/upstream/replica-pool-provider.ts).
  // The key's team (or user) is the tenant when there is a key; else the cache's notion of it.
  function setTenant(context: RequestContext): void {
    if (context.chatRequest && requestTenantsWanted()) {
      setRequestTenant(context.chatRequest, poolTenant(context));
    }
  }

  // Not async for a plain alias: nothing to wait for, so it hands on next()'s promise (an async
  // stage costs a promise, a suspended frame and a microtask per request).
  return function resolveRoute(context, next) {
    const requested = context.chatRequest?.model ?? context.embeddingsRequest?.model ?? '';
    const router = routers.size === 0 ? undefined : routers.get(requested);
    if (router) return resolveWithRouter(context, next, requested, router);
    // The key's region wins over the x-switchyard-region header (a client cannot pick its way out).
    settleRoute(
      context,
      requested,
      undefined,
      undefined,
      context.key?.region ?? context.metadata.region,
    );
    setTenant(context);
    return next();
  };
}
