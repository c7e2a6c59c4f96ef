// The tenant a chat request is made for, handed from the routing stage to replica pools (which
// derive vLLM's cache_salt from it) without widening the Provider call: keyed by the request object
// that invokeUpstream passes to the provider. A request with no entry gets the 'anonymous' tenant.

const tenants = new WeakMap<object, string>();

export function setRequestTenant(request: object, tenant: string): void {
  tenants.set(request, tenant);
}

export function getRequestTenant(request: object): string | undefined {
  return tenants.get(request);
}
