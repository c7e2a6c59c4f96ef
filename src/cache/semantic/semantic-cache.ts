// The semantic cache: a partitioned in-process index of prompt embeddings pointing at exact-cache
// keys, with false-hit guards. With a shared store (Redis) every replica appends its entries to
// the store's log and loads the others' entries from it, so all replicas answer alike.

import type { CacheStore } from '../cache-store.js';
import { publishCacheEvent } from '../cache-events.js';
import { compareGuardFeatures, type GuardFeatures } from './false-hit-guards.js';
import { PartitionedVectorIndex } from './vector-index.js';

export interface SemanticPayload {
  /** The exact-cache key of the stored answer. */
  key: string;
  features: GuardFeatures;
}

export interface SemanticLookup {
  partition: string;
  vector: Float32Array;
  features: GuardFeatures;
  threshold: number;
  guards: boolean;
  alias: string;
}

export interface SemanticMatch {
  key: string;
  similarity: number;
}

interface LogEntry {
  id: string;
  partition: string;
  expiresAt: number;
  key: string;
  features: GuardFeatures;
  vector: string;
}

/** Candidates within this much below the threshold are reported as near misses. */
const nearMissMargin = 0.1;
const candidatesPerLookup = 8;

export class SemanticCache {
  readonly index: PartitionedVectorIndex<SemanticPayload>;
  private readonly store: CacheStore;
  private readonly now: () => number;
  private cursor: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private nextId = 0;
  private readonly replicaId = Math.random().toString(36).slice(2, 10);

  constructor(options: {
    store: CacheStore;
    maxEntries: number;
    syncIntervalMs: number;
    /** Load other replicas' entries from a shared store (default: when the store is shared). */
    sync?: boolean;
    now?: () => number;
  }) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.index = new PartitionedVectorIndex({
      maxEntries: options.maxEntries,
      ...(options.now ? { now: options.now } : {}),
    });
    if (this.store.shared && options.sync !== false) {
      this.syncing = this.sync();
      this.timer = setInterval(() => {
        this.syncing ??= this.sync();
      }, options.syncIntervalMs);
      this.timer.unref();
    }
  }

  /** The best candidate that clears the threshold and the guards, or undefined. */
  lookup(lookup: SemanticLookup): SemanticMatch | undefined {
    const candidates = this.index.search(lookup.partition, lookup.vector, candidatesPerLookup);
    let nearMiss: { similarity: number; reason: string } | undefined;
    for (const { entry, similarity } of candidates) {
      if (similarity < lookup.threshold) {
        if (!nearMiss && similarity >= lookup.threshold - nearMissMargin) {
          nearMiss = { similarity, reason: 'threshold' };
        }
        break;
      }
      const refused = lookup.guards
        ? compareGuardFeatures(lookup.features, entry.payload.features)
        : undefined;
      if (refused === undefined) return { key: entry.payload.key, similarity };
      nearMiss ??= { similarity, reason: refused };
    }
    if (nearMiss) {
      publishCacheEvent({
        type: 'semantic-near-miss',
        alias: lookup.alias,
        similarity: nearMiss.similarity,
        threshold: lookup.threshold,
        reason: nearMiss.reason,
      });
    }
    return undefined;
  }

  /** Drops an entry whose answer is gone from the store. */
  forget(key: string, partition: string, vector: Float32Array): void {
    for (const { entry } of this.index.search(partition, vector, candidatesPerLookup)) {
      if (entry.payload.key === key) this.index.remove(entry.id);
    }
  }

  async remember(entry: {
    partition: string;
    vector: Float32Array;
    features: GuardFeatures;
    key: string;
    ttlSeconds: number;
  }): Promise<void> {
    const id = `${this.replicaId}-${(this.nextId++).toString(36)}`;
    const expiresAt = this.now() + entry.ttlSeconds * 1000;
    this.index.add({
      id,
      partition: entry.partition,
      vector: entry.vector,
      expiresAt,
      payload: { key: entry.key, features: entry.features },
    });
    if (!this.store.shared || !this.timer) return;
    const logEntry: LogEntry = {
      id,
      partition: entry.partition,
      expiresAt,
      key: entry.key,
      features: entry.features,
      vector: Buffer.from(
        entry.vector.buffer,
        entry.vector.byteOffset,
        entry.vector.byteLength,
      ).toString('base64'),
    };
    await this.store.appendLog(Buffer.from(JSON.stringify(logEntry)));
  }

  /** Loads entries other replicas appended since the last sync. */
  async sync(): Promise<void> {
    try {
      for (let pages = 0; pages < 100; pages++) {
        const page = await this.store.readLog(this.cursor, 1000);
        this.cursor = page.cursor;
        for (const bytes of page.entries) this.load(bytes);
        if (page.entries.length < 1000) break;
      }
    } catch {
      // The store reported the failure itself (cache event); the next tick retries.
    } finally {
      this.syncing = undefined;
    }
  }

  /** Waits for a sync in progress (tests, shutdown). */
  async settled(): Promise<void> {
    await this.syncing;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private load(bytes: Buffer): void {
    let entry: LogEntry;
    try {
      entry = JSON.parse(bytes.toString('utf8')) as LogEntry;
    } catch {
      return;
    }
    if (this.index.has(entry.id) || entry.expiresAt <= this.now()) return;
    const raw = Buffer.from(entry.vector, 'base64');
    const vector = new Float32Array(raw.byteLength / 4);
    Buffer.from(vector.buffer).set(raw);
    this.index.add({
      id: entry.id,
      partition: entry.partition,
      vector,
      expiresAt: entry.expiresAt,
      payload: { key: entry.key, features: entry.features },
    });
  }
}
