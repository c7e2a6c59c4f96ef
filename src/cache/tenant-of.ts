// The tenant a cache entry belongs to: entries never cross tenants.

import type { RequestContext } from '../pipeline/request-context.js';

/**
 * Today the tenant is the request's user (the `x-switchyard-user` header, the body's `user` or
 * `metadata.user_id`), or 'anonymous'. That is self-declared by the client; once virtual keys land,
 * the key's team (or user) replaces it here, and only here.
 */
export function tenantOf(context: RequestContext): string {
  const user = context.metadata.user;
  return user === undefined ? 'anonymous' : `user:${user}`;
}
