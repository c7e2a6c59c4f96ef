// resolveRoute: the alias's deployment chain, the route reason (and its header), residency.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGatewayError, type Deployment } from '../../core/index.js';
import { openAISurface } from '../../surfaces/openai/openai-surface.js';
import type { ModelCatalog, ModelRoute } from '../../routing/model-catalog.js';
import type { RequestContext } from '../request-context.js';
import { composeStages, type Stage } from '../stage.js';
import { getRequestTenant, wantRequestTenants } from '../../upstream/request-tenant.js';
import { createResolveRouteStage } from './resolve-route.js';

const timeouts = { connectMs: 1, firstByteMs: 1, idleMs: 1, totalMs: 1 };
const deployment = (id: string, region?: string): Deployment => ({
  id,
  provider: id,
  model: 'm',
  timeouts,
  ...(region !== undefined ? { region } : {}),
});

function catalogOf(routes: Record<string, Deployment[]>): ModelCatalog {
  return {
    resolve: (alias) => {
      const deployments = routes[alias];
      return deployments ? { alias, deployments } : undefined;
    },
    aliases: () => Object.keys(routes),
  };
}

function contextFor(
  model: string,
  extra: { region?: string; key?: RequestContext['key'] } = {},
): RequestContext & { headers_: Record<string, string> } {
  const headers: Record<string, string> = {};
  return {
    requestId: 'r',
    surface: openAISurface,
    operation: 'chat',
    startedAt: 0,
    startTime: 0,
    headers: {},
    body: {},
    signal: new AbortController().signal,
    sink: {
      headersSent: false,
      closed: false,
      setHeader: (name, value) => {
        headers[name] = value;
      },
      sendJson: () => {},
      startStream: () => {},
      write: () => {},
      end: () => {},
    },
    metadata: extra.region !== undefined ? { region: extra.region } : {},
    ...(extra.key ? { key: extra.key } : {}),
    chatRequest: { model, messages: [], stream: false, includeUsage: false, extra: {} },
    attempts: [],
    streamed: false,
    upstreamMs: 0,
    headers_: headers,
  };
}

async function run(stage: Stage, context: RequestContext): Promise<number> {
  let reached = 0;
  await composeStages([
    stage,
    async () => {
      reached += 1;
    },
  ])(context);
  return reached;
}

const chain = [deployment('us-1', 'us'), deployment('eu-1', 'eu')];

describe('resolveRoute', () => {
  it('routes a plain alias to its chain, the same route for every request', async () => {
    const stage = createResolveRouteStage({ catalog: catalogOf({ fast: chain }) });
    for (let request = 0; request < 2; request += 1) {
      const context = contextFor('fast');
      assert.equal(await run(stage, context), 1);
      assert.deepEqual(context.route, {
        alias: 'fast',
        deployments: chain,
        reason: 'alias:fast',
        residency: 'off',
      });
      assert.equal(context.headers_['x-switchyard-route'], 'alias:fast');
    }
  });

  it('applies residency to a request with a region (header or key)', async () => {
    const stage = createResolveRouteStage({
      catalog: catalogOf({ fast: chain }),
      routing: { routers: new Map(), residency: 'prefer' },
    });
    const context = contextFor('fast', { region: 'eu' });
    await run(stage, context);
    assert.deepEqual(context.route, {
      alias: 'fast',
      deployments: [chain[1], chain[0]],
      reason: 'alias:fast;region=eu;residency=prefer',
      region: 'eu',
      residency: 'prefer',
    });
    assert.equal(context.headers_['x-switchyard-route'], 'alias:fast;region=eu;residency=prefer');

    const keyed = contextFor('fast', {
      key: {
        id: 'k',
        user: 'u',
        prefix: 'sy-x',
        source: 'config',
        residency: 'strict',
        region: 'ap',
      },
    });
    await assert.rejects(run(stage, keyed), (error) => {
      assert.ok(isGatewayError(error));
      assert.equal(error.code, 'residency_unavailable');
      return true;
    });
    // With no region, the key's residency policy is still the route's.
    const strictNoRegion = contextFor('fast', {
      key: { id: 'k', user: 'u', prefix: 'sy-x', source: 'config', residency: 'strict' },
    });
    await run(stage, strictNoRegion);
    assert.equal(strictNoRegion.route?.residency, 'strict');
    assert.equal(strictNoRegion.route?.reason, 'alias:fast');
  });

  it('records the tenant of a request for replica pools once one exists', async () => {
    const stage = createResolveRouteStage({ catalog: catalogOf({ fast: chain }) });
    const key = { id: 'k', user: 'u', prefix: 'sy-x', source: 'config' as const };
    const before = contextFor('fast', { key });
    await run(stage, before);
    assert.equal(getRequestTenant(before.chatRequest as object), undefined);
    wantRequestTenants(); // what each replica pool provider does when it is made
    const after = contextFor('fast', { key });
    await run(stage, after);
    assert.equal(getRequestTenant(after.chatRequest as object), 'user:u');
    const teamKey = contextFor('fast', { key: { ...key, team: 't' } });
    await run(stage, teamKey);
    assert.equal(getRequestTenant(teamKey.chatRequest as object), 'team:t');
  });

  it('follows a catalog whose route changes, and names the known models for an unknown one', async () => {
    let current: ModelRoute = { alias: 'fast', deployments: chain };
    const catalog: ModelCatalog = {
      resolve: (alias) => (alias === 'fast' ? current : undefined),
      aliases: () => ['fast'],
    };
    const stage = createResolveRouteStage({ catalog });
    const first = contextFor('fast');
    await run(stage, first);
    current = { alias: 'fast', deployments: [chain[1] as Deployment] };
    const second = contextFor('fast');
    await run(stage, second);
    assert.deepEqual(first.route?.deployments, chain);
    assert.deepEqual(second.route?.deployments, [chain[1]]);

    await assert.rejects(run(stage, contextFor('slow')), (error) => {
      assert.ok(isGatewayError(error));
      assert.equal(error.code, 'model_not_found');
      assert.equal(
        error.message,
        "The model 'slow' does not exist on this gateway. Known models: fast.",
      );
      return true;
    });
  });
});
