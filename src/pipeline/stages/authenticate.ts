// Stage: checks the gateway key (Authorization: Bearer, or x-api-key as the Anthropic SDK sends it)
// and the model it may use. Keyless mode (no keys configured, demo) lets every request through.

import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../core/index.js';
import type { KeyService } from '../../keys/key-service.js';
import type { VirtualKey } from '../../keys/virtual-key.js';
import type { RequestContext } from '../request-context.js';
import type { Next, Stage } from '../stage.js';

export interface AuthenticateDeps {
  keys: KeyService;
  /** false: keyless (no key is asked for or checked). */
  required: boolean;
}

const bearer = /^Bearer\s+(\S+)\s*$/i;

/** Whether every character is printable ASCII other than the space (what `\S` surely matches). */
function isPlainToken(text: string, from: number): boolean {
  for (let index = from; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code <= 0x20 || code >= 0x7f) return false;
  }
  return true;
}

/** The key a client presented, if any. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    // The usual `Bearer <key>` without a regex match (and its array); anything else takes the regex.
    if (
      authorization.length > 7 &&
      authorization.startsWith('Bearer ') &&
      isPlainToken(authorization, 7)
    ) {
      return authorization.slice(7);
    }
    const match = bearer.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return undefined;
}

function missingKey(): GatewayError {
  return new GatewayError(
    'unauthorized',
    'Missing gateway key: send it as "Authorization: Bearer sy-…" (or "x-api-key").',
    { headers: { 'www-authenticate': 'Bearer' } },
  );
}

function invalidKey(): GatewayError {
  return new GatewayError('unauthorized', 'Invalid or revoked gateway key.', {
    headers: { 'www-authenticate': 'Bearer' },
  });
}

/** Resolves the request's key or throws 401 `unauthorized` (used by the stage and GET /v1/models). */
export async function requireKey(
  keys: KeyService,
  headers: IncomingHttpHeaders,
): Promise<VirtualKey> {
  const secret = presentedKey(headers);
  if (secret === undefined) throw missingKey();
  const key = await keys.authenticate(secret);
  if (!key) throw invalidKey();
  return key;
}

/** Sets the found key on the request (or refuses it) and runs the rest of the pipeline. */
function admit(context: RequestContext, key: VirtualKey | undefined, next: Next): Promise<void> {
  if (!key) return Promise.reject(invalidKey());
  context.key = key;
  // A key bound to a region cannot be moved out of it by a header.
  if (key.region !== undefined) context.metadata.region = key.region;
  const model = context.body.model;
  if (key.models && typeof model === 'string' && !key.models.includes(model)) {
    return Promise.reject(
      new GatewayError(
        'model_not_allowed',
        `This key may not use the model '${model}'. Allowed: ${key.models.join(', ')}.`,
        { param: 'model' },
      ),
    );
  }
  return next();
}

/**
 * Adds: context.key (and context.metadata.region from the key's region). Not an async function: a
 * static or cached key is answered at once, and only a database lookup is awaited.
 */
export function createAuthenticateStage(deps: AuthenticateDeps): Stage {
  return function authenticate(context, next) {
    if (!deps.required) return next();
    const secret = presentedKey(context.headers);
    if (secret === undefined) return Promise.reject(missingKey());
    const found = deps.keys.authenticateNow(secret, context.connection);
    if (found instanceof Promise) return found.then((key) => admit(context, key, next));
    return admit(context, found, next);
  };
}
