// Stage: decodes the body with the surface's decoder (validation errors name the field).

import { GatewayError } from '../../core/index.js';
import type { Stage } from '../stage.js';

/** Adds: context.chatRequest or context.embeddingsRequest */
export function createDecodeRequestStage(): Stage {
  return async function decodeRequest(context, next) {
    if (context.operation === 'chat') {
      context.chatRequest = context.surface.decodeChat(context.body);
      context.streamed = context.chatRequest.stream;
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
