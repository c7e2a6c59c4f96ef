// A least-recently-used map bounded by the bytes its values (and keys) take, with per-entry expiry.

interface LruEntry {
  value: Buffer;
  expiresAt: number;
  bytes: number;
}

/** Rough per-entry overhead of a Map slot plus the entry object, so tiny values are not free. */
const entryOverheadBytes = 96;

export class ByteBoundedLru {
  private readonly entries = new Map<string, LruEntry>();
  private usedBytes = 0;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(options: { maxBytes: number; now?: () => number }) {
    this.maxBytes = options.maxBytes;
    this.now = options.now ?? Date.now;
  }

  get bytes(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(key, entry);
      return undefined;
    }
    // Map keeps insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: Buffer, ttlMs: number): void {
    const bytes = value.byteLength + key.length * 2 + entryOverheadBytes;
    const existing = this.entries.get(key);
    if (existing) this.remove(key, existing);
    // A value larger than the whole budget is not kept (it would evict everything for nothing).
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs, bytes });
    this.usedBytes += bytes;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.usedBytes <= this.maxBytes) break;
      this.remove(oldestKey, oldest);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.remove(key, entry);
  }

  clear(): void {
    this.entries.clear();
    this.usedBytes = 0;
  }

  private remove(key: string, entry: LruEntry): void {
    this.entries.delete(key);
    this.usedBytes -= entry.bytes;
  }
}
