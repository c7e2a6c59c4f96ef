// In-process exact vector index, hard-partitioned (tenant + alias + conversation context): a search
// only ever scans its own partition. Vectors of one partition sit in one flat Float32Array, so the
// scan is a tight dot-product loop. Bounded by a total entry count (oldest evicted first) and by
// per-entry expiry.

export interface IndexedEntry<TPayload> {
  id: string;
  partition: string;
  vector: Float32Array;
  expiresAt: number;
  payload: TPayload;
}

export interface IndexMatch<TPayload> {
  entry: IndexedEntry<TPayload>;
  similarity: number;
}

class PartitionBlock<TPayload> {
  vectors: Float32Array;
  entries: Array<IndexedEntry<TPayload>> = [];
  private readonly rowOf = new Map<string, number>();
  constructor(readonly dimensions: number) {
    this.vectors = new Float32Array(dimensions * 16);
  }

  add(entry: IndexedEntry<TPayload>): void {
    const row = this.entries.length;
    if ((row + 1) * this.dimensions > this.vectors.length) {
      const grown = new Float32Array(this.vectors.length * 2);
      grown.set(this.vectors);
      this.vectors = grown;
    }
    this.vectors.set(entry.vector, row * this.dimensions);
    this.entries.push(entry);
    this.rowOf.set(entry.id, row);
  }

  /** Swap-with-last removal keeps the block dense. */
  remove(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    this.rowOf.delete(id);
    const last = this.entries.length - 1;
    if (row !== last) {
      const moved = this.entries[last] as IndexedEntry<TPayload>;
      this.entries[row] = moved;
      this.rowOf.set(moved.id, row);
      this.vectors.copyWithin(
        row * this.dimensions,
        last * this.dimensions,
        (last + 1) * this.dimensions,
      );
    }
    this.entries.pop();
    return true;
  }
}

export class PartitionedVectorIndex<TPayload> {
  private readonly partitions = new Map<string, PartitionBlock<TPayload>>();
  /** id → partition, in insertion order (the eviction order). */
  private readonly order = new Map<string, string>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { maxEntries: number; now?: () => number }) {
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.order.size;
  }

  has(id: string): boolean {
    return this.order.has(id);
  }

  add(entry: IndexedEntry<TPayload>): void {
    if (this.order.has(entry.id)) return;
    let block = this.partitions.get(entry.partition);
    if (!block) {
      block = new PartitionBlock<TPayload>(entry.vector.length);
      this.partitions.set(entry.partition, block);
    }
    if (entry.vector.length !== block.dimensions) return;
    block.add(entry);
    this.order.set(entry.id, entry.partition);
    for (const [oldestId] of this.order) {
      if (this.order.size <= this.maxEntries) break;
      this.remove(oldestId);
    }
  }

  remove(id: string): void {
    const partition = this.order.get(id);
    if (partition === undefined) return;
    this.order.delete(id);
    const block = this.partitions.get(partition);
    if (!block) return;
    block.remove(id);
    if (block.entries.length === 0) this.partitions.delete(partition);
  }

  /** The `limit` most similar live entries of one partition, best first (vectors are unit length). */
  search(partition: string, vector: Float32Array, limit: number): Array<IndexMatch<TPayload>> {
    const block = this.partitions.get(partition);
    if (!block || vector.length !== block.dimensions) return [];
    const dimensions = block.dimensions;
    const vectors = block.vectors;
    const now = this.now();
    const best: Array<IndexMatch<TPayload>> = [];
    const expired: string[] = [];
    for (let row = 0; row < block.entries.length; row++) {
      const entry = block.entries[row] as IndexedEntry<TPayload>;
      if (entry.expiresAt <= now) {
        expired.push(entry.id);
        continue;
      }
      const offset = row * dimensions;
      // Four running sums: V8 keeps them in registers and the loop runs ~1.5x faster.
      let sum0 = 0;
      let sum1 = 0;
      let sum2 = 0;
      let sum3 = 0;
      let index = 0;
      for (; index + 3 < dimensions; index += 4) {
        sum0 += (vectors[offset + index] as number) * (vector[index] as number);
        sum1 += (vectors[offset + index + 1] as number) * (vector[index + 1] as number);
        sum2 += (vectors[offset + index + 2] as number) * (vector[index + 2] as number);
        sum3 += (vectors[offset + index + 3] as number) * (vector[index + 3] as number);
      }
      for (; index < dimensions; index++) {
        sum0 += (vectors[offset + index] as number) * (vector[index] as number);
      }
      const dot = sum0 + sum1 + sum2 + sum3;
      if (best.length < limit || dot > (best.at(-1) as IndexMatch<TPayload>).similarity) {
        best.push({ entry, similarity: dot });
        best.sort((left, right) => right.similarity - left.similarity);
        if (best.length > limit) best.pop();
      }
    }
    for (const id of expired) this.remove(id);
    return best;
  }
}
