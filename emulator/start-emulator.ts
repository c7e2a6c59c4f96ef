// Starts a provider emulator (openai, vllm or anthropic) on node:http and returns its handle.
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { applyFaultBeforeHeaders } from './apply-fault-before-headers.js';
import { checkAuth } from './check-auth.js';
import type { EmulatorContext, ResolvedOptions } from './emulator-context.js';
import { createExchange } from './exchange.js';
import type { Exchange } from './exchange.js';
import { createFaultQueue } from './fault-queue.js';
import {
  handleAnthropicCountTokens,
  handleAnthropicMessages,
} from './handle-anthropic-messages.js';
import { handleChatCompletions } from './handle-chat-completions.js';
import { createBedrockHandler } from './handle-bedrock.js';
import { handleControl } from './handle-control.js';
import { handleEmbeddings } from './handle-embeddings.js';
import { handleModels } from './handle-models.js';
import { handleVllmMetrics } from './handle-vllm-metrics.js';
import { createPrefixCache } from './prefix-cache.js';
import { readJsonBody } from './read-json-body.js';
import { renderError } from './render-error.js';
import { sendJson } from './send-json.js';
import type {
  Emulator,
  EmulatorKind,
  EmulatorOptions,
  EmulatorStats,
  RecordedRequest,
} from './types.js';
import { SSE_HEADERS } from './write-sse-stream.js';

type Handler = (exchange: Exchange, context: EmulatorContext) => Promise<void>;

const MAX_RECORDED = 1000;
const DEFAULT_MODEL: Record<EmulatorKind, string> = {
  openai: 'gpt-4o-mini',
  vllm: 'emulator-model',
  anthropic: 'claude-sonnet-4-5',
  bedrock: 'anthropic.claude-3-5-haiku-20241022-v1:0',
};

function routesFor(kind: EmulatorKind): Map<string, Handler> {
  switch (kind) {
    case 'openai':
    case 'vllm':
      return new Map<string, Handler>([
        ['POST /v1/chat/completions', handleChatCompletions],
        ['POST /v1/embeddings', handleEmbeddings],
        ['GET /v1/models', handleModels],
      ]);
    case 'anthropic':
      return new Map<string, Handler>([
        ['POST /v1/messages', handleAnthropicMessages],
        ['POST /v1/messages/count_tokens', handleAnthropicCountTokens],
        ['GET /v1/models', handleModels],
      ]);
    case 'bedrock':
      // Paths carry the model ID: handle-bedrock.ts routes them.
      return new Map<string, Handler>();
  }
}

export async function startEmulator(emulatorOptions: EmulatorOptions): Promise<Emulator> {
  const { kind } = emulatorOptions;
  const options: ResolvedOptions = {
    kind,
    name: emulatorOptions.name ?? kind,
    models: emulatorOptions.models ? new Set(emulatorOptions.models) : undefined,
    baseModel: emulatorOptions.models?.[0] ?? DEFAULT_MODEL[kind],
    loraAdapters: emulatorOptions.loraAdapters ?? [],
    promptTokensDetails: emulatorOptions.promptTokensDetails ?? false,
    apiKey: emulatorOptions.apiKey,
    prefixCaching: emulatorOptions.prefixCaching ?? true,
    vllmErrorShape: emulatorOptions.vllmErrorShape ?? 'nested',
  };
  const recordRequests = emulatorOptions.recordRequests ?? true;
  const routes = routesFor(kind);
  const bedrock = kind === 'bedrock' ? createBedrockHandler(emulatorOptions) : undefined;
  const emitter = new EventEmitter();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const idPrefix = Math.random().toString(36).slice(2, 8);
  let idCounter = 0;
  let closing = false;
  const counts = { received: 0, completed: 0, aborted: 0, inFlight: 0 };
  const faults = createFaultQueue(emulatorOptions.seed ?? 1);

  const context: EmulatorContext = {
    options,
    faults,
    prefixCache: createPrefixCache(),
    counters: {
      promptTokens: 0,
      generationTokens: 0,
      prefixQueries: 0,
      prefixHits: 0,
      finished: {},
    },
    inFlight: () => counts.inFlight,
    nextId: (prefix) => `${prefix}emu${idPrefix}${(++idCounter).toString(36).padStart(6, '0')}`,
    renderError: (spec, requestId) =>
      renderError(spec, { kind, vllmErrorShape: options.vllmErrorShape, requestId }),
    isKnownModel: (model) =>
      options.models === undefined ||
      options.models.has(model) ||
      options.loraAdapters.includes(model),
  };

  const stats = (): EmulatorStats => ({ ...counts, openConnections: sockets.size });

  async function handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
  ): Promise<void> {
    counts.received++;
    counts.inFlight++;
    const method = request.method ?? 'GET';
    const requestId = context.nextId('req_');
    const exchange = createExchange({
      request,
      response,
      method,
      path,
      requestId,
      baseHeaders: {
        'x-emulator-name': options.name,
        [kind === 'anthropic'
          ? 'request-id'
          : kind === 'bedrock'
            ? 'x-amzn-requestid'
            : 'x-request-id']: requestId,
      },
    });
    response.once('close', () => {
      counts.inFlight--;
      if (response.writableFinished) counts.completed++;
      else if (!exchange.wasReset && !closing) {
        counts.aborted++;
        context.counters.finished.abort = (context.counters.finished.abort ?? 0) + 1;
        emitter.emit('client-closed', { path });
      }
    });
    let rawBody: Buffer = Buffer.alloc(0);
    if (method !== 'GET' && method !== 'HEAD') {
      const body = await readJsonBody(request);
      exchange.body = body.value;
      exchange.bodyError = body.invalid;
      rawBody = body.raw;
    }
    if (recordRequests || emitter.listenerCount('request') > 0) {
      const recorded: RecordedRequest = {
        method,
        path,
        headers: request.headers,
        body: exchange.body,
        receivedAt: Date.now(),
      };
      if (recordRequests) {
        requests.push(recorded);
        if (requests.length > MAX_RECORDED) requests.shift();
      }
      emitter.emit('request', recorded);
    }
    if (exchange.closed) return;
    if (bedrock) return bedrock(exchange, context, rawBody);
    const unauthorized = checkAuth(request.headers, context, requestId);
    if (unauthorized !== undefined) return sendJson(exchange, 401, unauthorized);
    exchange.fault = faults.take(path);
    const render = (spec: Parameters<EmulatorContext['renderError']>[0]): string =>
      context.renderError(spec, requestId);
    const streaming = exchange.body?.stream === true;
    if (
      await applyFaultBeforeHeaders(
        exchange,
        render,
        streaming ? SSE_HEADERS['content-type'] : 'application/json',
      )
    ) {
      return;
    }
    const handler = routes.get(`${method} ${path}`);
    if (!handler) return sendNotFound(exchange, context);
    await handler(exchange, context);
  }

  function onRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    let work: Promise<void>;
    if (path.startsWith('/_emulator/')) {
      work = handleControl(request, response, path, { faults, stats, requests });
    } else if (kind === 'vllm' && path === '/health') {
      response.writeHead(faults.hasStatus(503) ? 503 : 200, { 'content-length': 0 });
      response.end();
      return;
    } else if (kind === 'vllm' && path === '/metrics') {
      handleVllmMetrics(response, context);
      return;
    } else {
      work = handleApi(request, response, path);
    }
    work.catch((error: unknown) => {
      if (!response.headersSent) {
        const text = JSON.stringify({
          error: { message: `emulator failure: ${String(error)}`, type: 'server_error' },
        });
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(text);
      } else response.destroy();
    });
  }

  const server = createServer(onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = emulatorOptions.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(emulatorOptions.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (emulatorOptions.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    kind,
    name: options.name,
    setFaults: (plan) => faults.set(plan),
    clearFaults: () => faults.clear(),
    requests,
    stats,
    on: (event, listener) => {
      emitter.on(event, listener);
    },
    once: (event, listener) => {
      emitter.once(event, listener);
    },
    off: (event, listener) => {
      emitter.off(event, listener);
    },
    close: () => {
      closing = true;
      faults.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function sendNotFound(exchange: Exchange, context: EmulatorContext): void {
  const { kind } = context.options;
  if (kind === 'vllm') {
    // FastAPI's default 404 body.
    return sendJson(exchange, 404, JSON.stringify({ detail: 'Not Found' }));
  }
  const message =
    kind === 'openai' ? `Invalid URL (${exchange.method} ${exchange.path})` : 'Not Found';
  sendJson(exchange, 404, context.renderError({ status: 404, message }, exchange.requestId));
}
