// The admin API for virtual keys: GET /admin/keys (list), POST /admin/keys (create; the secret is
// returned once), DELETE /admin/keys/:id or POST /admin/keys/:id/revoke (revoke). Protected by
// `admin.apiKey` as a bearer token, compared in constant time; off when no admin key is configured.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { GatewayError, isGatewayError } from '../core/index.js';
import type { KeyService } from '../keys/key-service.js';
import { presentedKey } from '../pipeline/stages/authenticate.js';
import { readJsonBody } from './read-json-body.js';

export interface AdminKeysRoutesOptions {
  adminApiKey?: string | undefined;
  keys: KeyService;
  logger: Logger;
}

const newKeySchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    user: z.string().min(1).max(256).optional(),
    team: z.string().min(1).max(256).optional(),
    tier: z.string().min(1).max(100).optional(),
    models: z.array(z.string().min(1)).min(1).optional(),
    region: z.string().min(1).max(100).optional(),
    residency: z.enum(['off', 'prefer', 'strict']).optional(),
    dailyUsd: z.number().positive().optional(),
  })
  .refine((key) => key.user !== undefined || key.team !== undefined, {
    message: 'a key needs a user or a team',
    path: ['user'],
  });

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function send(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: GatewayError) {
  send(response, error.status, {
    error: {
      message: error.message,
      type: 'invalid_request_error',
      param: error.param ?? null,
      code: error.code,
    },
  });
}

/** Returns a handler that answers /admin/keys* requests and reports whether it did. */
export function createAdminKeysRoutes(
  options: AdminKeysRoutesOptions,
): (request: IncomingMessage, response: ServerResponse, path: string) => boolean {
  const expected = options.adminApiKey ? digest(options.adminApiKey) : undefined;

  function authorize(request: IncomingMessage) {
    if (!expected) {
      throw new GatewayError(
        'forbidden',
        'The admin API is off: set admin.apiKey (e.g. ${SWITCHYARD_ADMIN_KEY}).',
      );
    }
    const given = presentedKey(request.headers);
    // Both sides hashed to 32 bytes: the comparison time depends on neither key's length or content.
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new GatewayError(
        'unauthorized',
        'The admin API needs the admin key as a bearer token.',
        {
          headers: { 'www-authenticate': 'Bearer' },
        },
      );
    }
  }

  function keyStore() {
    const store = options.keys.store;
    if (!store) {
      throw new GatewayError(
        'key_store_unavailable',
        'No key database is attached (keys are not required in this configuration).',
      );
    }
    return store;
  }

  async function handle(request: IncomingMessage, response: ServerResponse, path: string) {
    try {
      authorize(request);
      const method = request.method ?? 'GET';
      if (path === '/admin/keys') {
        if (method === 'GET') {
          const url = new URL(request.url ?? '/', 'http://localhost');
          const includeRevoked = url.searchParams.get('includeRevoked') === 'true';
          send(response, 200, { object: 'list', data: await keyStore().list({ includeRevoked }) });
          return;
        }
        if (method === 'POST') {
          const parsed = newKeySchema.safeParse(await readJsonBody(request, 64 * 1024));
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            const param = issue?.path.join('.') ?? '';
            throw new GatewayError(
              'invalid_request',
              `${param ? `${param}: ` : ''}${issue?.message ?? 'invalid key'}`,
              {
                ...(param ? { param } : {}),
              },
            );
          }
          const input = Object.fromEntries(
            Object.entries(parsed.data).filter(([, value]) => value !== undefined),
          );
          const created = await keyStore().create(input);
          options.logger.info(
            { keyId: created.key.id, user: created.key.user, team: created.key.team },
            'gateway key created',
          );
          // The only time the secret leaves the gateway; only its SHA-256 is stored.
          send(response, 201, { ...created.key, secret: created.secret });
          return;
        }
        throw new GatewayError('method_not_allowed', `Use GET or POST for ${path}.`);
      }
      const match = /^\/admin\/keys\/([A-Za-z0-9_-]+)(\/revoke)?$/.exec(path);
      if (match?.[1] && ((method === 'DELETE' && !match[2]) || (method === 'POST' && match[2]))) {
        const revoked = await keyStore().revoke(match[1]);
        if (!revoked) throw new GatewayError('route_not_found', `No key with id ${match[1]}.`);
        options.keys.invalidate();
        options.logger.info({ keyId: revoked.id }, 'gateway key revoked');
        send(response, 200, revoked);
        return;
      }
      throw new GatewayError('route_not_found', `Unknown admin endpoint ${method} ${path}.`);
    } catch (thrown) {
      if (isGatewayError(thrown)) {
        sendError(response, thrown);
        return;
      }
      options.logger.error({ err: thrown }, 'admin keys request failed');
      sendError(response, new GatewayError('internal_error', 'Internal error in the admin API.'));
    }
  }

  return (request, response, path) => {
    if (path !== '/admin/keys' && !path.startsWith('/admin/keys/')) return false;
    void handle(request, response, path);
    return true;
  };
}
