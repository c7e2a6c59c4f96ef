// A Provider over a replica pool: each call picks a replica (ReplicaPool.pick) and is sent by that
// replica's own provider instance (one undici pool per replica). Adds vLLM's `cache_salt` per
// tenant. A replica that cannot be reached (nothing sent) is reported and the next one is tried;
// any other failure goes back to the fallback chain as it is.

import { createHash } from 'node:crypto';
import {
  UpstreamError,
  isUpstreamError,
  type ChatRequest,
  type Provider,
  type ProviderCall,
  type StreamPart,
} from '../core/index.js';
import type { ReplicaPool, Replica } from './replica-pool.js';
import { getRequestTenant, wantRequestTenants } from './request-tenant.js';

export interface ReplicaPoolProviderOptions {
  name: string;
  type: string;
  pool: ReplicaPool;
  /** One provider per replica, in the pool's order. */
  replicaProviders: readonly Provider[];
  cacheSalt: boolean;
}

/** Failures where the request never reached the replica: safe to send to another one. */
const unreachedKinds = new Set(['connect', 'connect_timeout']);

function saltFor(tenant: string): string {
  // vLLM mixes the salt into the first block hash; a digest keeps tenant names off the wire.
  return createHash('sha256').update(`switchyard:${tenant}`).digest('base64url').slice(0, 22);
}

function withSalt(call: ProviderCall<ChatRequest>, salt: string): ProviderCall<ChatRequest> {
  if (call.passthroughBody)
    return { ...call, passthroughBody: { ...call.passthroughBody, cache_salt: salt } };
  return {
    ...call,
    request: { ...call.request, extra: { ...call.request.extra, cache_salt: salt } },
  };
}

/** Releases the replica when the stream ends, fails, or the consumer stops early. */
function trackStream(
  parts: AsyncIterable<StreamPart>,
  release: () => void,
): AsyncIterable<StreamPart> {
  return {
    [Symbol.asyncIterator]() {
      const inner = parts[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const step = await inner.next();
            if (step.done) release();
            return step;
          } catch (error) {
            release();
            throw error;
          }
        },
        async return(value?: unknown) {
          release();
          return (await inner.return?.(value)) ?? { done: true as const, value: undefined };
        },
      };
    },
  };
}

const poolsByProvider = new WeakMap<Provider, ReplicaPool>();

/** The replica pool behind a provider, if it is a pool (for metrics and admin views). */
export function replicaPoolOf(provider: Provider): ReplicaPool | undefined {
  return poolsByProvider.get(provider);
}

export function createReplicaPoolProvider(options: ReplicaPoolProviderOptions): Provider {
  const { pool } = options;
  wantRequestTenants();

  async function withReplica<T>(
    call: ProviderCall<ChatRequest>,
    send: (provider: Provider, call: ProviderCall<ChatRequest>, release: () => void) => Promise<T>,
  ): Promise<T> {
    await pool.ready;
    // No tenant recorded (the routing stage did not see this request object): one shared scope.
    const salt = saltFor(getRequestTenant(call.request) ?? 'anonymous');
    const salted = options.cacheSalt ? withSalt(call, salt) : call;
    const tried = new Set<number>();
    for (;;) {
      const picked = pool.pick({
        model: call.deployment.model,
        messages: call.request.messages,
        salt: options.cacheSalt ? salt : '',
        exclude: tried,
      });
      if (picked.type === 'none') {
        throw new UpstreamError(picked.reason, {
          provider: options.name,
          deployment: call.deployment.id,
          kind: 'connect',
        });
      }
      const replica: Replica = picked.choice.replica;
      tried.add(replica.index);
      const placed = picked.choice.reason === 'least-loaded' || picked.choice.reason === 'branch';
      const release = pool.acquire(replica, picked.prefix, placed);
      try {
        const result = await send(options.replicaProviders[replica.index]!, salted, release);
        pool.reportSuccess(replica);
        return result;
      } catch (error) {
        release();
        if (isUpstreamError(error) && unreachedKinds.has(error.kind) && !call.signal.aborted) {
          pool.reportFailure(replica, `${error.kind}: ${error.message}`);
          continue;
        }
        throw error;
      }
    }
  }

  const provider: Provider = {
    name: options.name,
    type: options.type,
    wireFormat: 'openai-chat',
    async chat(call) {
      return withReplica(call, async (provider, salted, release) => {
        try {
          return await provider.chat(salted);
        } finally {
          release();
        }
      });
    },
    async chatStream(call) {
      return withReplica(call, async (provider, salted, release) => {
        const parts = await provider.chatStream(salted);
        return trackStream(parts, release);
      });
    },
    async embeddings(call) {
      await pool.ready;
      const picked = pool.pick({ model: call.deployment.model, messages: [], salt: '' });
      if (picked.type === 'none') {
        throw new UpstreamError(picked.reason, {
          provider: options.name,
          deployment: call.deployment.id,
          kind: 'connect',
        });
      }
      const replica = picked.choice.replica;
      const release = pool.acquire(replica, undefined);
      try {
        const provider = options.replicaProviders[replica.index]!;
        if (!provider.embeddings) throw new Error('replica provider has no embeddings');
        return await provider.embeddings(call);
      } finally {
        release();
      }
    },
    async close() {
      pool.close();
      await Promise.all(options.replicaProviders.map((provider) => provider.close()));
    },
  };
  poolsByProvider.set(provider, pool);
  return provider;
}
