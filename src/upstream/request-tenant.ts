// The tenant a chat request is made for, handed from the routing stage to replica pools (which
// derive vLLM's cache_salt from it) without widening the Provider call: keyed by the request object
// that invokeUpstream passes to the provider. A request with no entry gets the 'anonymous' tenant.
// Recorded only once a replica pool exists in this process (nothing else reads it, and a WeakMap
// entry per request costs the routing stage ~0.4 us and the GC an ephemeron).

const tenants = new WeakMap<object, string>();
let wanted = false;

/** Called by each replica pool provider when it is made: from then on tenants are recorded. */
export function wantRequestTenants(): void {
  wanted = true;
}

/** Whether any reader of request tenants exists (the routing stage skips the work otherwise). */
export function requestTenantsWanted(): boolean {
  return wanted;
}

export function setRequestTenant(request: object, tenant: string): void {
  tenants.set(request, tenant);
}

export function getRequestTenant(request: object): string | undefined {
  return tenants.get(request);
}
