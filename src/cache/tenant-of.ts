// The tenant a cache entry belongs to: entries never cross tenants.

import type { RequestContext } from '../pipeline/request-context.js';

/**
 * With a gateway key: the key's team, else its user, else the key itself (a team's members share
 * their cached answers; nobody else does). Keyless mode: the request's self-declared user (the
 * `x-switchyard-user` header, the body's `user` or `metadata.user_id`), or 'anonymous'.
 */
export function tenantOf(context: RequestContext): string {
  const key = context.key;
  if (key) {
    if (key.team !== undefined) return `team:${key.team}`;
    if (key.user !== undefined) return `user:${key.user}`;
    return `key:${key.id}`;
  }
  const user = context.metadata.user;
  return user === undefined ? 'anonymous' : `user:${user}`;
}
