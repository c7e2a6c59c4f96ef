// Stage: reads request metadata from x-switchyard-* headers, then the body's `user` / `metadata`.

import type { Stage } from '../stage.js';

function header(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text.slice(0, 256);
}

/** Adds: context.metadata */
export function createExtractMetadataStage(): Stage {
  return async function extractMetadata(context, next) {
    const headers = context.headers;
    const body = context.body;
    const bodyMetadata =
      body.metadata !== null && typeof body.metadata === 'object'
        ? (body.metadata as Record<string, unknown>)
        : {};
    const fromBody = (key: string) =>
      typeof bodyMetadata[key] === 'string' ? bodyMetadata[key].slice(0, 256) : undefined;
    const user =
      header(headers['x-switchyard-user']) ??
      (typeof body.user === 'string' ? body.user.slice(0, 256) : undefined) ??
      fromBody('user_id');
    const session = header(headers['x-switchyard-session']) ?? fromBody('session');
    const feature = header(headers['x-switchyard-feature']) ?? fromBody('feature');
    const region = header(headers['x-switchyard-region']);
    const cache = header(headers['x-switchyard-cache']);
    const metadata = context.metadata;
    if (user !== undefined) metadata.user = user;
    if (session !== undefined) metadata.session = session;
    if (feature !== undefined) metadata.feature = feature;
    if (region !== undefined) metadata.region = region;
    if (cache === 'no-store' || cache === 'force') metadata.cache = cache;
    await next();
  };
}
