// Stage: decodes the body with the surface's decoder (validation errors name the field).

import { GatewayError } from '../../core/index.js';
import type { Stage } from '../stage.js';

/** Adds: context.chatRequest (chat, count-tokens) or context.embeddingsRequest */
export function createDecodeRequestStage(): Stage {
  return async function decodeRequest(context, next) {
    if (context.operation === 'chat') {
      context.chatRequest = context.surface.decodeChat(context.body);
      context.streamed = context.chatRequest.stream;
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
    await next();
  };
}
