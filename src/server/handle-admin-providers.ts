// GET /admin/providers: every deployment with its circuit-breaker state, as JSON. Until the admin
// API has its own key (virtual keys issue), it is served only when the gateway binds a loopback
// address, or to a caller presenting `adminKey` as a bearer token when one is configured.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface AdminProvidersOptions {
  /** The address the gateway binds (server.host). */
  host: string;
  adminKey?: string | undefined;
  describe(): unknown;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || bare.startsWith('127.');
}

function presentsKey(request: IncomingMessage, key: string): boolean {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Returns the status and body to send. */
export function handleAdminProviders(
  request: IncomingMessage,
  options: AdminProvidersOptions,
): { status: number; body: unknown } {
  const allowed = options.adminKey
    ? presentsKey(request, options.adminKey)
    : isLoopbackHost(options.host);
  if (!allowed) {
    const message = options.adminKey
      ? 'The admin API needs the admin key as a bearer token.'
      : 'The admin API is served only on a loopback bind until an admin key is configured.';
    return {
      status: options.adminKey ? 401 : 403,
      body: { error: { message, type: 'invalid_request_error', param: null, code: 'forbidden' } },
    };
  }
  return { status: 200, body: { deployments: options.describe() } };
}
