// Stage: decodes the body with the surface's decoder (validation errors name the field).

import { GatewayError } from '../../core/index.js';
import type { Stage } from '../stage.js';

/** Adds: context.chatRequest (chat, count-tokens) or context.embeddingsRequest */
export function createDecodeRequestStage(): Stage {
  // Not async: it waits for nothing, so it hands on next()'s promise instead of making its own
  // (an async stage costs a promise, a suspended frame and a microtask per request). A decoding
  // error thrown here becomes the pipeline's rejection in composeStages.
  return function decodeRequest(context, next) {
    if (context.operation === 'chat') {
      const request = context.surface.decodeChat(context.body);
      context.chatRequest = request;
      context.streamed = request.stream;
    } else if (context.operation === 'count-tokens') {
      if (!context.surface.decodeCountTokens) {
        throw new GatewayError(
          'route_not_found',
          `The ${context.surface.name} API has no token-counting endpoint.`,
        );
      }
      context.chatRequest = context.surface.decodeCountTokens(context.body);
    } else {
      const surface = context.surface;
      if (!surface.decodeEmbeddings) {
        throw new GatewayError(
          'route_not_found',
          `The ${context.surface.name} API has no embeddings endpoint.`,
        );
      }
      context.embeddingsRequest = surface.decodeEmbeddings(context.body);
    }
    return next();
  };
}
