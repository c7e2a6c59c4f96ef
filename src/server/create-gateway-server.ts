// The HTTP app: routes, body limits, the pipeline per API request, errors at the edge, drain.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError, isGatewayError, type Surface } from '../core/index.js';
import { RequestAbort } from '../lib/request-abort.js';
import { timeOrderedId } from '../lib/time-ordered-id.js';
import type { RequestContext } from '../pipeline/request-context.js';
import type { ModelCatalog } from '../routing/model-catalog.js';
import { anthropicSurface } from '../surfaces/anthropic/index.js';
import { openAISurface } from '../surfaces/openai/index.js';
import { noteEventLoopActivity, watchEventLoopWhile } from '../telemetry/event-loop-stalls.js';
import { publishRequestFinished } from '../telemetry/events.js';
import { createResponseSink } from './create-response-sink.js';
import { handleAdminProviders } from './handle-admin-providers.js';
import { bodyNotBuffered, readArrivingJsonBody, takeJsonBody } from './read-json-body.js';

export interface GatewayServerOptions {
  host: string;
  port: number;
  bodyLimitBytes: number;
  drainTimeoutMs: number;
  catalog: ModelCatalog;
  runPipeline: (context: RequestContext) => Promise<void>;
  logger: Logger;
  /** GET /admin/providers: deployments and breaker states (see handle-admin-providers.ts). */
  describeProviders?: () => unknown;
  /** Bearer key for admin routes; without one they answer only on a loopback bind. */
  adminKey?: string;
  /**
   * The model aliases the caller's key may list (GET /v1/models); undefined: all. Rejects with a
   * GatewayError (401) when keys are required and the caller has none.
   */
  allowedModels?: (headers: IncomingMessage['headers']) => Promise<readonly string[] | undefined>;
  /** /admin/keys routes (admin-keys-routes.ts); returns whether it answered the request. */
  adminKeysRoutes?: (request: IncomingMessage, response: ServerResponse, path: string) => boolean;
  /** /ui (dashboard page) and /admin/stats/* (its JSON); returns whether it answered the request. */
  dashboardRoutes?: (request: IncomingMessage, response: ServerResponse, path: string) => boolean;
  /** GET <path>: Prometheus metrics (src/telemetry/create-metrics.ts). */
  metrics?: { path: string; contentType: string; render(): Promise<string> };
}

export interface GatewayServer {
  readonly server: Server;
  /** Resolves with the bound address (port 0 picks a free one). */
  listen(): Promise<AddressInfo>;
  readonly url: string;
  readonly inFlight: number;
  readonly draining: boolean;
  /**
   * Graceful shutdown: stop accepting, report not-ready, let in-flight requests and streams
   * finish up to the drain timeout, then close what is left.
   */
  close(): Promise<void>;
}

type ApiRoute = { surface: Surface; operation: 'chat' | 'embeddings' | 'count-tokens' };

const apiRoutes = new Map<string, ApiRoute>([
  ['/v1/chat/completions', { surface: openAISurface, operation: 'chat' }],
  ['/v1/embeddings', { surface: openAISurface, operation: 'embeddings' }],
  ['/v1/messages', { surface: anthropicSurface, operation: 'chat' }],
  ['/v1/messages/count_tokens', { surface: anthropicSurface, operation: 'count-tokens' }],
]);

/** Awaited by a request's handler to let Node's parser push the body of the same read (takeJsonBody). */
const bodyArrival = Promise.resolve();

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function createGatewayServer(options: GatewayServerOptions): GatewayServer {
  let inFlight = 0;
  const stopWatchingInFlight = watchEventLoopWhile(() => inFlight > 0);
  let draining = false;
  let boundUrl = '';
  let drained: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  const { logger } = options;

  function finishOne() {
    inFlight -= 1;
    if (draining && inFlight === 0) drained?.();
  }

  function renderError(
    surface: Surface,
    response: ServerResponse,
    error: GatewayError,
    headers: Record<string, string>,
  ) {
    sendJson(response, error.status, surface.renderError(error), { ...headers, ...error.headers });
  }

  async function handleApi(request: IncomingMessage, response: ServerResponse, route: ApiRoute) {
    const requestId = timeOrderedId();
    const startTime = performance.now();
    // The request's abort state (lighter than an AbortController: lib/request-abort.ts).
    const abort = new RequestAbort();
    const sink = createResponseSink(response);
    sink.setHeader('x-switchyard-request-id', requestId);
    let context: RequestContext | undefined;
    // A response closes once: `on` spares the wrapper `once` allocates per request.
    response.on('close', () => {
      sink.markClosed();
      if (!response.writableFinished) abort.abort(new Error('client disconnected'));
      finishOne();
      if (context) {
        publishRequestFinished({
          context,
          durationMs: performance.now() - startTime,
          status: context.status ?? sink.status,
          aborted: !response.writableFinished,
        });
      }
    });
    inFlight += 1;
    try {
      if (draining) {
        throw new GatewayError(
          'service_draining',
          'The gateway is shutting down; retry on another replica.',
          { headers: { connection: 'close' } },
        );
      }
      // One microtask, and a body that came with its headers is in the request's buffer.
      await bodyArrival;
      let body = takeJsonBody(request, options.bodyLimitBytes);
      if (body === bodyNotBuffered) {
        body = await readArrivingJsonBody(request, options.bodyLimitBytes);
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
      }
      context = {
        requestId,
        surface: route.surface,
        operation: route.operation,
        startedAt: Date.now(),
        startTime,
        headers: request.headers,
        connection: request.socket,
        body: body as Record<string, unknown>,
        signal: abort,
        sink,
        metadata: {},
        attempts: [],
        streamed: false,
        upstreamMs: 0,
      };
      await options.runPipeline(context);
    } catch (thrown) {
      const error = isGatewayError(thrown)
        ? thrown
        : new GatewayError('internal_error', `Internal error (request id ${requestId}).`, {
            cause: thrown,
          });
      if (!isGatewayError(thrown))
        logger.error({ err: thrown, requestId }, 'unhandled pipeline error');
      if (context) {
        context.error = error;
        context.status = error.status;
      }
      if (response.destroyed || response.writableEnded) return;
      if (!sink.headersSent) {
        const headers: Record<string, string> = { 'x-switchyard-request-id': requestId };
        if (error.code === 'body_too_large') {
          // The client may still be sending; do not keep reading a body we refused.
          headers.connection = 'close';
          response.once('finish', () => request.destroy());
        }
        renderError(route.surface, response, error, headers);
      } else {
        // Headers are out (a stream started): end with the surface's in-band error.
        const encoder = route.surface.createStreamEncoder({
          request: context?.chatRequest ?? ({ model: '', includeUsage: false } as never),
          requestId,
          passthrough: false,
        });
        response.write(encoder.encodeError(error));
        response.end();
      }
    }
  }

  async function listModels(request: IncomingMessage, response: ServerResponse) {
    let allowed: readonly string[] | undefined;
    try {
      allowed = await options.allowedModels?.(request.headers);
    } catch (thrown) {
      const error = isGatewayError(thrown)
        ? thrown
        : new GatewayError('internal_error', 'Internal error listing models.', { cause: thrown });
      renderError(openAISurface, response, error, {});
      return;
    }
    const aliases = [...options.catalog.aliases(), ...(options.catalog.routers?.() ?? [])];
    sendJson(response, 200, {
      object: 'list',
      data: aliases
        .filter((alias) => allowed === undefined || allowed.includes(alias))
        .map((alias) => ({ id: alias, object: 'model', created: 0, owned_by: 'switchyard' })),
    });
  }

  function handle(request: IncomingMessage, response: ServerResponse) {
    // The event loop is watched for stalls while requests come and are in flight (not when idle).
    noteEventLoopActivity();
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const route = apiRoutes.get(path);
    if (route) {
      if (request.method !== 'POST') {
        renderError(
          route.surface,
          response,
          new GatewayError('method_not_allowed', `Use POST for ${path}.`),
          { allow: 'POST' },
        );
        return;
      }
      void handleApi(request, response, route);
      return;
    }
    if (request.method === 'GET' && path === '/v1/models') {
      void listModels(request, response);
      return;
    }
    if (options.adminKeysRoutes?.(request, response, path)) return;
    if (options.dashboardRoutes?.(request, response, path)) return;
    if (request.method === 'GET' && path === '/healthz') {
      sendJson(response, 200, { status: 'ok' });
      return;
    }
    if (request.method === 'GET' && path === '/admin/providers' && options.describeProviders) {
      const answer = handleAdminProviders(request, {
        host: options.host,
        adminKey: options.adminKey,
        describe: options.describeProviders,
      });
      sendJson(response, answer.status, answer.body);
      return;
    }
    if (request.method === 'GET' && options.metrics && path === options.metrics.path) {
      const metrics = options.metrics;
      metrics.render().then(
        (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (error: unknown) => {
          logger.error({ err: error }, 'metrics rendering failed');
          if (!response.headersSent) response.writeHead(500).end();
        },
      );
      return;
    }
    if (request.method === 'GET' && path === '/readyz') {
      if (draining) sendJson(response, 503, { status: 'draining' });
      else sendJson(response, 200, { status: 'ready' });
      return;
    }
    renderError(
      // Anthropic clients parse errors in Anthropic's shape, even for paths we do not serve.
      path === '/v1/messages' || path.startsWith('/v1/messages/')
        ? anthropicSurface
        : openAISurface,
      response,
      new GatewayError('route_not_found', `Unknown endpoint ${request.method ?? ''} ${path}.`),
      {},
    );
  }

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handle);

  return {
    server,
    get url() {
      return boundUrl;
    },
    get inFlight() {
      return inFlight;
    },
    get draining() {
      return draining;
    },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          boundUrl = `http://${host}:${address.port}`;
          resolve(address);
        });
      });
    },
    close() {
      // Draining keeps the listener open so that /readyz can answer 503 to the load balancer's
      // probes (a refused connection says less), while new API requests get 503
      // `service_draining` with `connection: close`; in-flight requests and streams finish. The
      // listener closes when the last one is done or the drain timeout passes.
      closing ??= (async () => {
        draining = true;
        server.closeIdleConnections();
        if (inFlight > 0) {
          await Promise.race([
            new Promise<void>((resolve) => {
              drained = resolve;
            }),
            new Promise<void>((resolve) => setTimeout(resolve, options.drainTimeoutMs).unref()),
          ]);
        }
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        stopWatchingInFlight();
      })();
      return closing;
    },
  };
}
