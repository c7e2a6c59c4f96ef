// Request ids as UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random
// bits. They sort by time, so the trace table's unique `request_id` index grows at its right edge
// instead of at a random leaf per row: with random (v4) ids, COPY of trace rows into embedded
// PGlite cost ~75 µs per row past 1M rows against ~66 with these (BENCHMARKS.md, sixth session).
// Node's crypto makes v4 only, hence by hand.

import { randomFillSync } from 'node:crypto';

const idsPerFill = 256;
/** Random bytes per id: byte 0 gives the variant digit's 2 bits, bytes 1–9 the 18 random digits. */
const bytesPerId = 10;
const pool = Buffer.alloc(bytesPerId * idsPerFill);
/** `pool` in hex, made once per fill: an id is then slices of it, not a Buffer and a hex call. */
let poolHex = '';
let next = idsPerFill;
const variantDigits = '89ab';
const hexBytes = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

// The first 15 characters (`tttttttt-tttt-7`) of the last millisecond's ids.
let lastMs = Number.NaN;
let lastTimeHead = '';

/**
 * A UUIDv7 string for `nowMs` (default: now), lower-case hex with dashes. Made of string slices:
 * a Buffer view per id, its bit writes and a `toString('hex')` call were 9–16 µs of the gateway's
 * per-request set-up at 200 req/s on cold caches (BENCHMARKS.md, eighteenth session).
 */
export function timeOrderedId(nowMs: number = Date.now()): string {
  if (next === idsPerFill) {
    randomFillSync(pool);
    poolHex = pool.toString('hex');
    next = 0;
  }
  const base = next * bytesPerId;
  next += 1;
  const ms = Math.max(0, Math.floor(nowMs)) % 2 ** 48;
  if (ms !== lastMs) {
    lastMs = ms;
    const high = Math.floor(ms / 2 ** 24);
    const low = ms - high * 2 ** 24;
    lastTimeHead =
      hexBytes[high >>> 16]! +
      hexBytes[(high >>> 8) & 255]! +
      hexBytes[high & 255]! +
      hexBytes[low >>> 16]! +
      '-' +
      hexBytes[(low >>> 8) & 255]! +
      hexBytes[low & 255]! +
      '-7';
  }
  const hex = base * 2 + 2; // the random digits: the hex of bytes 1–9
  return (
    lastTimeHead +
    poolHex.slice(hex, hex + 3) +
    '-' +
    variantDigits[pool[base]! & 3]! +
    poolHex.slice(hex + 3, hex + 6) +
    '-' +
    poolHex.slice(hex + 6, hex + 18)
  );
}

/** The Unix milliseconds a UUIDv7 carries. */
export function timeOfOrderedId(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
