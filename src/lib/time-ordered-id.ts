// Request ids as UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random
// bits. They sort by time, so the trace table's unique `request_id` index grows at its right edge
// instead of at a random leaf per row: with random (v4) ids, COPY of trace rows into embedded
// PGlite cost ~75 µs per row past 1M rows against ~66 with these (BENCHMARKS.md, sixth session).
// Node's crypto makes v4 only; the layout is three writes over its random bytes, hence by hand.

import { randomFillSync } from 'node:crypto';

const idsPerFill = 256;
const pool = Buffer.alloc(16 * idsPerFill);
let offset = pool.length;

/** A UUIDv7 string for `nowMs` (default: now), lower-case hex with dashes. */
export function timeOrderedId(nowMs: number = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 16);
  offset += 16;
  bytes.writeUIntBE(Math.max(0, Math.floor(nowMs)) % 2 ** 48, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The Unix milliseconds a UUIDv7 carries. */
export function timeOfOrderedId(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
