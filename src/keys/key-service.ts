// Authenticates a presented gateway key: static keys from the config and database keys, by SHA-256
// and a constant-time compare, with a short in-process cache. A revoked key stops working on every
// replica within `cacheTtlMs` (each replica re-reads a cached key at most that long after caching it).
// A connection that proved a key is remembered with it: its next requests presenting the same secret
// skip the hash (see authenticateNow).

import { GatewayError } from '../core/index.js';
import type { KeyStore } from './key-store.js';
import { displayPrefix, hashKeySecretHex, keyHashesEqual, type VirtualKey } from './virtual-key.js';

export interface StaticKeyConfig {
  key: string;
  name?: string | undefined;
  user?: string | undefined;
  team?: string | undefined;
  tier?: string | undefined;
  models?: string[] | undefined;
  region?: string | undefined;
  residency?: 'off' | 'prefer' | 'strict' | undefined;
  dailyUsd?: number | undefined;
}

export interface KeyServiceOptions {
  staticKeys: readonly StaticKeyConfig[];
  /** Database keys; absent when no database is used for keys. */
  store?: KeyStore | undefined;
  /** A key database will be attached (attachStore): until then, unknown keys get 503, not 401. */
  expectStore?: boolean;
  /** How long a found key (or a known-bad secret) is trusted without re-reading the database. */
  cacheTtlMs: number;
  negativeCacheTtlMs?: number;
  maxCacheEntries?: number;
  now?: () => number;
  /** Told when the database failed and a stale cached answer was used instead. */
  onStoreError?: (error: unknown, usedStale: boolean) => void;
}

export interface KeyService {
  /** The key the secret belongs to, or undefined when unknown or revoked. */
  authenticate(secret: string): Promise<VirtualKey | undefined>;
  /**
   * The same answer, given at once (no promise) when a static key or the cache holds it: the
   * request path awaits only a database lookup. With the client's `connection` (any object that
   * lives as long as it, e.g. its socket), a secret the same connection proved before is answered
   * without hashing it again, for as long as the answer it got then holds.
   */
  authenticateNow(
    secret: string,
    connection?: object,
  ): VirtualKey | undefined | Promise<VirtualKey | undefined>;
  /** Forgets cached answers (after a revoke on this replica). */
  invalidate(): void;
  readonly store: KeyStore | undefined;
  /** Attaches the key database once it is open (the gateway opens it at start). */
  attachStore(store: KeyStore): void;
}

interface CacheEntry {
  key: VirtualKey | undefined;
  expiresAt: number;
}

/** The secret a connection last proved, and what it proved (authenticateNow's connection memo). */
interface ConnectionMemo {
  secret: string;
  key: VirtualKey;
  /** Infinity for a static key; a database key's cache expiry. */
  expiresAt: number;
  /** The service's generation then: invalidate() and attachStore() forget every memo. */
  generation: number;
}

/**
 * Whether two secrets are equal, in a time that depends only on their lengths: a connection may be
 * shared by several clients (a pooling proxy in front), and `===` would stop at the first differing
 * character.
 */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) {
    difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  }
  return difference === 0;
}

/** Drops undefined fields (optional properties are absent, never undefined). */
function compactKey(value: Record<string, unknown>): VirtualKey {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as unknown as VirtualKey;
}

export function createKeyService(options: KeyServiceOptions): KeyService {
  const now = options.now ?? Date.now;
  const negativeTtlMs = options.negativeCacheTtlMs ?? Math.min(1_000, options.cacheTtlMs);
  const maxEntries = options.maxCacheEntries ?? 10_000;
  const staticKeys = new Map<string, { hash: Buffer; key: VirtualKey }>();
  for (const entry of options.staticKeys) {
    const hex = hashKeySecretHex(entry.key);
    const key = compactKey({
      id: entry.name ? `cfg_${entry.name}` : `cfg_${hex.slice(0, 12)}`,
      name: entry.name,
      user: entry.user,
      team: entry.team,
      tier: entry.tier,
      models: entry.models,
      region: entry.region,
      residency: entry.residency,
      dailyUsd: entry.dailyUsd,
      prefix: displayPrefix(entry.key),
      source: 'config' as const,
    });
    staticKeys.set(hex, { hash: Buffer.from(hex, 'hex'), key });
  }
  const cache = new Map<string, CacheEntry>();
  const pending = new Map<string, Promise<VirtualKey | undefined>>();
  // Clients keep their connections and send the same key on each request: hashing it every time was
  // 7–9 µs of the gateway's time before the upstream call at 1,000 req/s (SHA-256 through OpenSSL,
  // then the digest compare, on cold caches; BENCHMARKS.md, eighteenth session). Per connection,
  // so a comparison only ever involves a secret sent on the same connection; only keys that were
  // found are remembered (a refused secret is hashed every time); held while the connection lives.
  const memos = new WeakMap<object, ConnectionMemo>();
  let generation = 0;

  function remember(hex: string, key: VirtualKey | undefined) {
    cache.delete(hex);
    cache.set(hex, { key, expiresAt: now() + (key ? options.cacheTtlMs : negativeTtlMs) });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  }

  let store = options.store;

  async function lookup(hex: string): Promise<VirtualKey | undefined> {
    if (!store) {
      if (!options.expectStore) return undefined;
      throw new GatewayError(
        'key_store_unavailable',
        'The gateway could not check your key (key database not connected yet); retry shortly.',
      );
    }
    try {
      const found = await store.findByHash(hex);
      // The row was found by its hash; compare the digests in constant time all the same.
      const key =
        found && keyHashesEqual(found.hashHex, hex) && found.key.revokedAt === undefined
          ? found.key
          : undefined;
      remember(hex, key);
      return key;
    } catch (error) {
      const stale = cache.get(hex);
      options.onStoreError?.(error, stale !== undefined);
      if (stale) return stale.key;
      throw new GatewayError(
        'key_store_unavailable',
        'The gateway could not check your key (key database unavailable); retry shortly.',
        { cause: error },
      );
    }
  }

  function rememberOn(
    connection: object,
    secret: string,
    key: VirtualKey,
    expiresAt: number,
  ): void {
    memos.set(connection, { secret, key, expiresAt, generation });
  }

  function authenticateNow(
    secret: string,
    connection?: object,
  ): VirtualKey | undefined | Promise<VirtualKey | undefined> {
    if (connection !== undefined) {
      const memo = memos.get(connection);
      if (
        memo !== undefined &&
        memo.generation === generation &&
        sameSecret(memo.secret, secret) &&
        (memo.expiresAt === Infinity || memo.expiresAt > now())
      ) {
        return memo.key;
      }
    }
    const hex = hashKeySecretHex(secret);
    const fixed = staticKeys.get(hex);
    if (fixed && keyHashesEqual(fixed.hash, hex)) {
      if (connection !== undefined) rememberOn(connection, secret, fixed.key, Infinity);
      return fixed.key;
    }
    const cached = cache.get(hex);
    if (cached && cached.expiresAt > now()) {
      if (connection !== undefined && cached.key) {
        rememberOn(connection, secret, cached.key, cached.expiresAt);
      }
      return cached.key;
    }
    let inFlight = pending.get(hex);
    if (!inFlight) {
      inFlight = lookup(hex).finally(() => pending.delete(hex));
      pending.set(hex, inFlight);
    }
    return inFlight;
  }

  return {
    get store() {
      return store;
    },
    attachStore(attached) {
      store = attached;
      cache.clear();
      generation += 1;
    },
    authenticate(secret) {
      const answer = authenticateNow(secret);
      return answer instanceof Promise ? answer : Promise.resolve(answer);
    },
    authenticateNow,
    invalidate() {
      cache.clear();
      generation += 1;
    },
  };
}
