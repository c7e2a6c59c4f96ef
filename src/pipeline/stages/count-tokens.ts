// Stage: answers a token-counting request (Anthropic POST /v1/messages/count_tokens) and ends the
// pipeline there. An Anthropic deployment counts with its own tokenizer (the client's body is
// forwarded to its count_tokens endpoint); any other backend gets a gpt-tokenizer estimate, marked
// with `x-switchyard-token-count: estimate`. Token counting is free: no cache, no limits.

import { GatewayError, isUpstreamError, type Provider } from '../../core/index.js';
import { estimateInputTokens } from '../../surfaces/anthropic/estimate-input-tokens.js';
import type { RequestContext } from '../request-context.js';
import type { Stage } from '../stage.js';

export interface CountTokensDeps {
  providers: ReadonlyMap<string, Provider>;
}

/** Adds: context.served (for token-counting requests, which stop here) */
export function createCountTokensStage(deps: CountTokensDeps): Stage {
  // Not async itself: every other request only passes through, handing on next()'s promise.
  return function countTokens(context, next) {
    if (context.operation !== 'count-tokens') return next();
    return answerTokenCount(context);
  };

  async function answerTokenCount(context: RequestContext): Promise<void> {
    const request = context.chatRequest;
    const route = context.route;
    if (!request || !route)
      throw new Error('countTokens runs after decodeRequest and resolveRoute');
    let lastError: unknown;
    for (const deployment of route.deployments) {
      const provider = deps.providers.get(deployment.provider);
      if (!provider) continue;
      context.sink.setHeader('x-switchyard-provider', deployment.provider);
      context.sink.setHeader('x-switchyard-model', deployment.model);
      context.served = deployment;
      if (!provider.countTokens || provider.wireFormat !== context.surface.wireFormat) {
        context.sink.setHeader('x-switchyard-token-count', 'estimate');
        context.sink.sendJson(200, { input_tokens: estimateInputTokens(request) });
        return;
      }
      try {
        const { inputTokens } = await provider.countTokens({
          request,
          deployment,
          passthroughBody: context.body,
          clientHeaders: context.headers,
          signal: context.signal,
          timeouts: deployment.timeouts,
        });
        context.sink.setHeader('x-switchyard-token-count', 'provider');
        context.sink.sendJson(200, { input_tokens: inputTokens });
        return;
      } catch (error) {
        if (!isUpstreamError(error) || !error.retryable || context.signal.aborted) throw error;
        lastError = error;
      }
    }
    throw new GatewayError(
      'upstream_unavailable',
      `No deployment of '${route.alias}' could count the tokens.`,
      { cause: lastError, headers: { 'x-should-retry': 'false' } },
    );
  }
}
