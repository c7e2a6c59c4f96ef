// A self-hosted pool of replicas (vLLM): which replica takes a request. Least in-flight, with prefix
// affinity bounded by load; active health checks (GET /health) eject and re-admit replicas; the
// models each replica serves (GET /v1/models: base model + LoRA adapters) restrict where a model or
// adapter may go; optional /metrics scraping adds vLLM's own queue to the load.

import { channel } from 'node:diagnostics_channel';
import type { Dispatcher } from 'undici';
import type { ChatMessage } from '../core/index.js';
import type { ReplicaPoolConfig } from '../config/routing-schema.js';
import { hashPromptBlocks, type PromptBlocks } from './hash-prompt-blocks.js';
import { parseVllmMetrics, type VllmLoad } from './parse-vllm-metrics.js';
import { PrefixAffinityIndex } from './prefix-affinity-index.js';

/** Ejections and re-admissions, for logs and metrics: `{pool, replica, url, healthy, reason}`. */
export const replicaHealthChannel = channel('switchyard:upstream:replica-health');

export interface ReplicaHealthEvent {
  pool: string;
  replica: number;
  url: string;
  healthy: boolean;
  reason: string;
}

export interface Replica {
  readonly index: number;
  readonly url: string;
  readonly dispatcher: Dispatcher;
  healthy: boolean;
  inFlight: number;
  /** Requests sent, halved now and then so it reflects recent traffic (placement tie-break). */
  recentServed: number;
  served: number;
  /** New prefixes (conversations) placed here, decayed like recentServed: their future turns stick. */
  recentPlacements: number;
  consecutiveFailures: number;
  consecutivePasses: number;
  /** Model ids from GET /v1/models (base + adapters); undefined until known. */
  models: Set<string> | undefined;
  load: Partial<VllmLoad> | undefined;
  /** Prefix-cache hit rate between the last two scrapes. */
  prefixHitRate: number | undefined;
}

export interface ReplicaChoice {
  replica: Replica;
  /** How it was chosen: affinity, spill (affine replica too loaded), branch or least-loaded. */
  reason: 'affinity' | 'spill' | 'branch' | 'least-loaded';
  matchedBlocks: number;
}

export interface PickOptions {
  model: string;
  messages: readonly ChatMessage[];
  /** Scopes the prefix (vLLM cache_salt); included in the affinity key. */
  salt: string;
  /** Replicas already tried by this request. */
  exclude?: ReadonlySet<number>;
}

export type PickResult =
  | { type: 'chosen'; choice: ReplicaChoice; prefix: PromptBlocks }
  | { type: 'none'; reason: string };

export interface ReplicaPool {
  readonly name: string;
  readonly replicas: readonly Replica[];
  /** Resolves after the first round of health checks and model discovery. */
  readonly ready: Promise<void>;
  /** How many picks each kind of choice made (for metrics: the spill rate shows load pressure). */
  readonly choices: Record<ReplicaChoice['reason'], number>;
  pick(options: PickOptions): PickResult;
  /** Counts a request on the replica (call once per pick that is sent); returns its release. */
  acquire(replica: Replica, prefix: PromptBlocks | undefined, placed?: boolean): () => void;
  /** A request to the replica failed at the connection level (passive health). */
  reportFailure(replica: Replica, reason: string): void;
  reportSuccess(replica: Replica): void;
  /** Runs one round of checks now (tests, and the timer). */
  checkNow(): Promise<void>;
  close(): void;
}

export interface ReplicaPoolOptions {
  name: string;
  replicas: Array<{ url: string; dispatcher: Dispatcher }>;
  config: ReplicaPoolConfig;
}

const DECAY_EVERY = 512;

function effectiveLoad(replica: Replica): number {
  // Our own in-flight count moves at once; vLLM's gauges are as old as the last scrape but see the
  // traffic of every gateway replica. Queued requests weigh double: they have not started.
  const running = Math.max(replica.inFlight, replica.load?.running ?? 0);
  return running + 2 * (replica.load?.waiting ?? 0);
}

export function createReplicaPool(options: ReplicaPoolOptions): ReplicaPool {
  const { config } = options;
  const index = new PrefixAffinityIndex(config.affinity.indexSize);
  const replicas: Replica[] = options.replicas.map((replica, position) => ({
    index: position,
    url: replica.url,
    dispatcher: replica.dispatcher,
    healthy: true,
    inFlight: 0,
    recentServed: 0,
    served: 0,
    recentPlacements: 0,
    consecutiveFailures: 0,
    consecutivePasses: 0,
    models: undefined,
    load: undefined,
    prefixHitRate: undefined,
  }));
  let picks = 0;
  const choices: Record<ReplicaChoice['reason'], number> = {
    affinity: 0,
    spill: 0,
    branch: 0,
    'least-loaded': 0,
  };
  let closed = false;
  const timers: NodeJS.Timeout[] = [];

  function setHealth(replica: Replica, healthy: boolean, reason: string): void {
    if (replica.healthy === healthy) return;
    replica.healthy = healthy;
    if (replicaHealthChannel.hasSubscribers) {
      const event: ReplicaHealthEvent = {
        pool: options.name,
        replica: replica.index,
        url: replica.url,
        healthy,
        reason,
      };
      replicaHealthChannel.publish(event);
    }
  }

  function fail(replica: Replica, reason: string): void {
    replica.consecutivePasses = 0;
    replica.consecutiveFailures++;
    if (replica.consecutiveFailures >= config.health.unhealthyThreshold) {
      setHealth(replica, false, reason);
    }
  }

  function pass(replica: Replica): void {
    replica.consecutiveFailures = 0;
    replica.consecutivePasses++;
    if (!replica.healthy && replica.consecutivePasses >= config.health.healthyThreshold) {
      setHealth(replica, true, 'health check passed');
    }
  }

  async function get(replica: Replica, path: string): Promise<{ status: number; text: string }> {
    const url = new URL(replica.url);
    const response = await replica.dispatcher.request({
      origin: url.origin,
      path,
      method: 'GET',
      headersTimeout: config.health.timeoutMs,
      bodyTimeout: config.health.timeoutMs,
      signal: AbortSignal.timeout(config.health.timeoutMs),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text };
  }

  async function checkHealth(replica: Replica): Promise<void> {
    try {
      const { status } = await get(replica, config.health.path);
      if (status >= 200 && status < 300) pass(replica);
      else fail(replica, `health check: HTTP ${status}`);
    } catch (error) {
      fail(replica, `health check: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function discoverModels(replica: Replica): Promise<void> {
    try {
      const basePath = new URL(replica.url).pathname.replace(/\/$/, '');
      const { status, text } = await get(replica, `${basePath}/models`);
      if (status !== 200) return;
      const body = JSON.parse(text) as { data?: Array<{ id?: unknown }> };
      if (!Array.isArray(body.data)) return;
      replica.models = new Set(
        body.data.map((card) => card.id).filter((id): id is string => typeof id === 'string'),
      );
    } catch {
      // Keep what we knew: a replica that fails this also fails its health check.
    }
  }

  async function scrape(replica: Replica): Promise<void> {
    try {
      const { status, text } = await get(replica, config.metrics.path);
      if (status !== 200) return;
      const load = parseVllmMetrics(text);
      const previous = replica.load;
      if (
        previous?.prefixQueries !== undefined &&
        previous.prefixHits !== undefined &&
        load.prefixQueries !== undefined &&
        load.prefixHits !== undefined &&
        load.prefixQueries > previous.prefixQueries
      ) {
        replica.prefixHitRate =
          (load.prefixHits - previous.prefixHits) / (load.prefixQueries - previous.prefixQueries);
      }
      replica.load = load;
    } catch {
      // Stale load figures are dropped rather than trusted.
      replica.load = undefined;
    }
  }

  async function checkNow(): Promise<void> {
    await Promise.all(
      replicas.map(async (replica) => {
        if (config.health.enabled) await checkHealth(replica);
        if (config.discoverModels && replica.healthy) await discoverModels(replica);
      }),
    );
  }

  function loop(intervalMs: number, work: () => Promise<void>): void {
    const run = () => {
      if (closed) return;
      void work().finally(() => {
        if (closed) return;
        const timer = setTimeout(run, intervalMs);
        timer.unref();
        timers.push(timer);
        if (timers.length > 8) timers.splice(0, timers.length - 2);
      });
    };
    const timer = setTimeout(run, intervalMs);
    timer.unref();
    timers.push(timer);
  }

  const ready = config.health.enabled || config.discoverModels ? checkNow() : Promise.resolve();
  if (config.health.enabled || config.discoverModels) loop(config.health.intervalMs, checkNow);
  if (config.metrics.enabled) {
    const scrapeAll = () => Promise.all(replicas.map(scrape)).then(() => undefined);
    void scrapeAll();
    loop(config.metrics.intervalMs, scrapeAll);
  }

  /**
   * Placement of a request with no affinity: among the replicas whose load is within loadSlack of
   * the least-loaded one, the one that was given the fewest new prefixes recently (a conversation's
   * later turns follow its first, so conversations are the unit to spread), then the fewest
   * requests, then one that already holds the prefix (`preferMask`).
   */
  function leastLoaded(candidates: Replica[], preferMask: number): Replica {
    let minimum = Infinity;
    for (const replica of candidates) minimum = Math.min(minimum, effectiveLoad(replica));
    const ceiling = minimum + config.affinity.loadSlack;
    let best: Replica | undefined;
    for (const replica of candidates) {
      if (effectiveLoad(replica) > ceiling) continue;
      if (best === undefined) {
        best = replica;
        continue;
      }
      if (replica.recentPlacements !== best.recentPlacements) {
        if (replica.recentPlacements < best.recentPlacements) best = replica;
        continue;
      }
      if (replica.recentServed !== best.recentServed) {
        if (replica.recentServed < best.recentServed) best = replica;
        continue;
      }
      const load = effectiveLoad(replica);
      const bestLoad = effectiveLoad(best);
      if (load !== bestLoad) {
        if (load < bestLoad) best = replica;
        continue;
      }
      if (((preferMask >>> replica.index) & 1) > ((preferMask >>> best.index) & 1)) best = replica;
    }
    return best ?? candidates[0]!;
  }

  return {
    name: options.name,
    replicas,
    ready,
    choices,
    pick({ model, messages, salt, exclude }) {
      const candidates: Replica[] = [];
      let candidateMask = 0;
      let unhealthy = 0;
      let lacking = 0;
      for (const replica of replicas) {
        if (exclude?.has(replica.index)) continue;
        if (!replica.healthy) {
          unhealthy++;
          continue;
        }
        if (replica.models !== undefined && !replica.models.has(model)) {
          lacking++;
          continue;
        }
        candidates.push(replica);
        candidateMask |= 1 << replica.index;
      }
      if (candidates.length === 0) {
        const parts = [`no replica of pool '${options.name}' can take model '${model}'`];
        if (unhealthy) parts.push(`${unhealthy} unhealthy`);
        if (lacking) parts.push(`${lacking} without that model or adapter`);
        if (exclude?.size) parts.push(`${exclude.size} already tried`);
        return { type: 'none', reason: parts.join(', ') };
      }
      const prefix: PromptBlocks = config.affinity.enabled
        ? hashPromptBlocks(`${model}\u0000${salt}`, messages, config.affinity)
        : { hashes: [], text: '' };
      const hashes = prefix.hashes;
      const chosen = (replica: Replica, reason: ReplicaChoice['reason'], blocks: number) => {
        choices[reason]++;
        return {
          type: 'chosen' as const,
          choice: { replica, reason, matchedBlocks: blocks },
          prefix,
        };
      };
      if (candidates.length === 1) return chosen(candidates[0]!, 'least-loaded', 0);
      const match =
        hashes.length > 0
          ? index.lookup(hashes, prefix.text, config.affinity.blockChars, candidateMask)
          : undefined;
      if (!match || match.blocks === 0)
        return chosen(leastLoaded(candidates, 0), 'least-loaded', 0);
      if (!match.continuation) {
        return chosen(leastLoaded(candidates, match.mask), 'branch', match.blocks);
      }
      const affine =
        ((match.mask >>> match.last) & 1) === 1
          ? replicas[match.last]!
          : leastLoaded(
              candidates.filter((replica) => ((match.mask >>> replica.index) & 1) === 1),
              0,
            );
      // Bounded load: stay unless the affine replica is both above loadFactor × the mean (this
      // request included) and loadSlack requests above the least-loaded replica.
      let total = 0;
      let minimum = Infinity;
      for (const replica of candidates) {
        const load = effectiveLoad(replica);
        total += load;
        if (load < minimum) minimum = load;
      }
      const affineLoad = effectiveLoad(affine) + 1;
      const bound = Math.max(
        Math.ceil((config.affinity.loadFactor * (total + 1)) / candidates.length),
        minimum + 1 + config.affinity.loadSlack,
      );
      if (affineLoad > bound) return chosen(leastLoaded(candidates, 0), 'spill', match.blocks);
      return chosen(affine, 'affinity', match.blocks);
    },
    acquire(replica, prefix, placed = false) {
      replica.inFlight++;
      if (placed) replica.recentPlacements++;
      replica.served++;
      replica.recentServed++;
      if (++picks % DECAY_EVERY === 0) {
        for (const each of replicas) {
          each.recentServed = Math.floor(each.recentServed / 2);
          each.recentPlacements = Math.floor(each.recentPlacements / 2);
        }
      }
      if (prefix && prefix.hashes.length > 0) {
        index.record(prefix.hashes, prefix.text, config.affinity.blockChars, replica.index);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        replica.inFlight--;
      };
    },
    reportFailure(replica, reason) {
      fail(replica, reason);
    },
    reportSuccess(replica) {
      replica.consecutiveFailures = 0;
    },
    checkNow,
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
