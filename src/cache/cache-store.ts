// The storage contract of the response cache: binary values with a TTL, plus an append-only log of
// semantic-index entries that every replica reads. Implemented by memory/ and redis/.

export interface CacheLogPage {
  /** Pass back to `readLog` to get only newer entries. */
  cursor: string;
  entries: Buffer[];
}

export interface CacheStore {
  readonly name: 'memory' | 'redis';
  /**
   * Whether entries written here are visible to other gateway replicas (Redis) or only to this
   * process (memory).
   */
  readonly shared: boolean;
  /** The stored bytes, or undefined when absent or expired. Rejects when the store fails. */
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, value: Buffer, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Appends one entry to the shared log (bounded: the oldest entries fall off). */
  appendLog(entry: Buffer): Promise<void>;
  /** Entries appended after `cursor` (all retained entries when undefined), oldest first. */
  readLog(cursor: string | undefined, limit: number): Promise<CacheLogPage>;
  close(): Promise<void>;
}
