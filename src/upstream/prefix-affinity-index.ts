// Which replica served which prompt prefix: block hash → the replicas that have served it (a bit
// mask), the one that served it last, and whether a longer prompt continued it. Bounded LRU.
//
// A lookup distinguishes two kinds of match. A *continuation* ends at the last full block of a
// prompt seen before, and goes on with that prompt's unhashed tail (the partial block after it):
// the next turn of a conversation (or the same prompt again), worth pinning to the replica that
// holds it. A *branch* leaves a prefix that other prompts continued differently: a
// system prompt many conversations share. That prefix ends up cached on every replica anyway, so a
// branch is placed by load, preferring replicas that already hold the prefix only as a tie-break.

interface Entry {
  mask: number;
  last: number;
  /** Hash of the block that followed this one in the prompt recorded first; -1 when none. */
  child: number;
  /** When a recorded prompt ended here: the first characters of its partial last block. */
  tail: string | undefined;
}

/** Characters of a prompt's partial last block kept to recognise its continuation. */
const TAIL_CHARS = 16;

export interface PrefixMatch {
  /** Matched blocks (0: none). */
  blocks: number;
  /** Replicas (bit mask) that served the whole matched prefix. */
  mask: number;
  /** The replica that served it last. */
  last: number;
  continuation: boolean;
}

/**
 * Bounded like quick-lru: two generations of Maps, no deletes on the hot path (a Map delete + set
 * per block per request cost ~3 µs each on a large Map). Entries touched in the current generation
 * survive a rotation; the rest go when the previous generation is dropped.
 */
export class PrefixAffinityIndex {
  private current = new Map<number, Entry>();
  private previous = new Map<number, Entry>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.ceil(capacity / 2));
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private get(hash: number): Entry | undefined {
    return this.current.get(hash) ?? this.previous.get(hash);
  }

  /** The deepest block served by one of `candidates` (a replica bit mask). */
  lookup(
    hashes: readonly number[],
    text: string,
    blockChars: number,
    candidates: number,
  ): PrefixMatch {
    let found: Entry | undefined;
    let blocks = 0;
    for (let index = 0; index < hashes.length; index++) {
      const entry = this.get(hashes[index]!);
      if (entry === undefined || (entry.mask & candidates) === 0) break;
      found = entry;
      blocks = index + 1;
    }
    if (!found) return { blocks: 0, mask: 0, last: -1, continuation: false };
    const next = blocks < hashes.length ? hashes[blocks]! : -2;
    let continuation: boolean;
    if (found.child !== -1) {
      // Continued before: we are on the same path only if we continue it the same way.
      continuation = found.child === next;
    } else {
      // A prompt ended here: ours continues it if it goes on with that prompt's tail.
      const tail = found.tail ?? '';
      const start = blocks * blockChars;
      continuation = text.slice(start, start + tail.length) === tail;
    }
    return { blocks, mask: found.mask & candidates, last: found.last, continuation };
  }

  record(hashes: readonly number[], text: string, blockChars: number, replica: number): void {
    const bit = 1 << replica;
    const last = hashes.length - 1;
    for (let index = 0; index < hashes.length; index++) {
      const hash = hashes[index]!;
      const child = index < last ? hashes[index + 1]! : -1;
      let entry = this.current.get(hash);
      if (entry === undefined) {
        entry = this.previous.get(hash) ?? { mask: 0, last: replica, child, tail: undefined };
        this.current.set(hash, entry);
        if (this.current.size >= this.generationSize) {
          this.previous = this.current;
          this.current = new Map();
        }
      }
      entry.mask |= bit;
      entry.last = replica;
      if (entry.child === -1) entry.child = child;
      if (index === last && entry.child === -1 && entry.tail === undefined) {
        const start = hashes.length * blockChars;
        entry.tail = text.slice(start, start + TAIL_CHARS);
      }
    }
  }

  /** Forget a replica (it left the pool for good). */
  forget(replica: number): void {
    const bit = 1 << replica;
    for (const entry of this.current.values()) entry.mask &= ~bit;
    for (const entry of this.previous.values()) entry.mask &= ~bit;
  }
}
