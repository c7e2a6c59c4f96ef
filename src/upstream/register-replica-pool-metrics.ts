// Prometheus gauges and counters of self-hosted replica pools, read at scrape time. Labels are the
// pool (provider name) and the replica URL from the config: bounded.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { Provider } from '../core/index.js';
import type { ReplicaPool } from './replica-pool.js';
import { replicaPoolOf } from './replica-pool-provider.js';

export function registerReplicaPoolMetrics(
  registry: Registry,
  providers: ReadonlyMap<string, Provider>,
): void {
  const pools: ReplicaPool[] = [];
  for (const provider of providers.values()) {
    const pool = replicaPoolOf(provider);
    if (pool) pools.push(pool);
  }
  if (pools.length === 0) return;
  const registers = [registry];
  const perReplica = (
    name: string,
    help: string,
    read: (replica: ReplicaPool['replicas'][number]) => number | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool', 'replica'] as const,
      registers,
      collect() {
        for (const pool of pools) {
          for (const replica of pool.replicas) {
            const value = read(replica);
            if (value !== undefined) this.set({ pool: pool.name, replica: replica.url }, value);
          }
        }
      },
    });
  perReplica('switchyard_replica_healthy', 'Replica in rotation (1) or ejected (0).', (replica) =>
    replica.healthy ? 1 : 0,
  );
  perReplica(
    'switchyard_replica_inflight_requests',
    'Requests this gateway has in flight on the replica.',
    (replica) => replica.inFlight,
  );
  perReplica(
    'switchyard_replica_waiting_requests',
    "The replica's vllm:num_requests_waiting at the last scrape (pool.metrics.enabled).",
    (replica) => replica.load?.waiting,
  );
  perReplica(
    'switchyard_replica_kv_cache_usage_ratio',
    "The replica's vllm:kv_cache_usage_perc at the last scrape (0..1).",
    (replica) => replica.load?.kvCacheUsage,
  );
  perReplica(
    'switchyard_replica_prefix_cache_hit_ratio',
    "The replica's prefix-cache hit rate between the last two scrapes (vLLM's own counters).",
    (replica) => replica.prefixHitRate,
  );
  const requests = new Map<string, number>();
  new Counter({
    name: 'switchyard_replica_requests_total',
    help: 'Requests sent to each replica.',
    labelNames: ['pool', 'replica'] as const,
    registers,
    collect() {
      for (const pool of pools) {
        for (const replica of pool.replicas) {
          const key = `${pool.name}\u0000${replica.url}`;
          const last = requests.get(key) ?? 0;
          if (replica.served > last)
            this.inc({ pool: pool.name, replica: replica.url }, replica.served - last);
          requests.set(key, replica.served);
        }
      }
    },
  });
  const choices = new Map<string, number>();
  new Counter({
    name: 'switchyard_replica_choices_total',
    help: 'Replica choices by kind: affinity, spill (affine replica too loaded), branch, least-loaded.',
    labelNames: ['pool', 'choice'] as const,
    registers,
    collect() {
      for (const pool of pools) {
        for (const [choice, count] of Object.entries(pool.choices)) {
          const key = `${pool.name}\u0000${choice}`;
          const last = choices.get(key) ?? 0;
          if (count > last) this.inc({ pool: pool.name, choice }, count - last);
          choices.set(key, count);
        }
      }
    },
  });
}
