// Stage: reads request metadata from x-switchyard-* headers, then the body's `user` / `metadata`.

import type { RequestMetadata } from '../request-context.js';
import type { Stage } from '../stage.js';

function header(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text.slice(0, 256);
}

function bodyString(record: Record<string, unknown> | undefined, key: string): string | undefined {
  if (record === undefined) return undefined;
  const value = record[key];
  return typeof value === 'string' ? value.slice(0, 256) : undefined;
}

/** Adds: context.metadata */
export function createExtractMetadataStage(): Stage {
  // Not async: it has nothing to wait for, so it hands on next()'s promise (no promise of its own).
  return function extractMetadata(context, next) {
    const headers = context.headers;
    const body = context.body;
    const bodyMetadata =
      body.metadata !== null && typeof body.metadata === 'object'
        ? (body.metadata as Record<string, unknown>)
        : undefined;
    const user =
      header(headers['x-switchyard-user']) ??
      (typeof body.user === 'string' ? body.user.slice(0, 256) : undefined) ??
      bodyString(bodyMetadata, 'user_id');
    const session = header(headers['x-switchyard-session']) ?? bodyString(bodyMetadata, 'session');
    const feature = header(headers['x-switchyard-feature']) ?? bodyString(bodyMetadata, 'feature');
    const region = header(headers['x-switchyard-region']);
    const cache = header(headers['x-switchyard-cache']);
    const metadata: RequestMetadata = context.metadata;
    if (user !== undefined) metadata.user = user;
    if (session !== undefined) metadata.session = session;
    if (feature !== undefined) metadata.feature = feature;
    if (region !== undefined) metadata.region = region;
    if (cache === 'no-store' || cache === 'force') metadata.cache = cache;
    return next();
  };
}
