// The disk spool: batches the database could not take, one JSONL file per batch, fsync'd and renamed
// into place (a crash never leaves half a file), replayed oldest first, deleted once inserted.
// File names carry the row count so the spool's size is known without reading it.

import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TraceRecord } from '../telemetry/build-trace-record.js';

const filePattern = /^traces-(\d+)-(\d+)-(\d+)\.jsonl$/;

export interface SpoolSegment {
  path: string;
  rows: number;
  bytes: number;
}

export interface TraceSpool {
  readonly rows: number;
  readonly bytes: number;
  /** Loads the existing segments (left by an earlier run or a crash). */
  init(): Promise<void>;
  /** Appends a batch durably; resolves false when the spool is full (rows not written). */
  append(records: readonly TraceRecord[]): Promise<boolean>;
  /** Segments oldest first. */
  segments(): SpoolSegment[];
  read(segment: SpoolSegment): Promise<TraceRecord[]>;
  remove(segment: SpoolSegment): Promise<void>;
}

export function createTraceSpool(options: { dir: string; maxBytes: number }): TraceSpool {
  const { dir, maxBytes } = options;
  let segments: SpoolSegment[] = [];
  let rows = 0;
  let bytes = 0;
  let reserved = 0;
  let sequence = 0;
  let ready: Promise<void> | undefined;

  async function load(): Promise<void> {
    await mkdir(dir, { recursive: true });
    const found: Array<SpoolSegment & { order: [number, number] }> = [];
    for (const name of await readdir(dir)) {
      const match = filePattern.exec(name);
      if (!match) {
        // A temp file from a crash mid-write: never renamed, so never acknowledged; discard.
        if (name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => undefined);
        continue;
      }
      const path = join(dir, name);
      const info = await stat(path);
      found.push({
        path,
        rows: Number(match[3]),
        bytes: info.size,
        order: [Number(match[1]), Number(match[2])],
      });
      sequence = Math.max(sequence, Number(match[2]) + 1);
    }
    found.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
    segments = found.map(({ path, rows: count, bytes: size }) => ({
      path,
      rows: count,
      bytes: size,
    }));
    rows = segments.reduce((sum, segment) => sum + segment.rows, 0);
    bytes = segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }

  async function syncDirectory(): Promise<void> {
    // The rename is durable only once the directory entry is on disk.
    const handle = await open(dir, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      await handle.sync();
    } catch {
      // Some filesystems refuse fsync on a directory; the file itself is synced.
    } finally {
      await handle.close();
    }
  }

  return {
    get rows() {
      return rows;
    },
    get bytes() {
      return bytes;
    },
    init() {
      ready ??= load();
      return ready;
    },
    async append(records) {
      if (records.length === 0) return true;
      await this.init();
      const text = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
      const size = Buffer.byteLength(text);
      // Reserve before the first await so that concurrent appends cannot overshoot the bound.
      if (bytes + reserved + size > maxBytes) return false;
      reserved += size;
      const name = `traces-${Date.now()}-${sequence++}-${records.length}.jsonl`;
      const path = join(dir, name);
      const temporary = `${path}.tmp`;
      try {
        const handle = await open(temporary, 'w');
        try {
          await handle.writeFile(text);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, path);
        await syncDirectory();
      } finally {
        reserved -= size;
      }
      segments.push({ path, rows: records.length, bytes: size });
      rows += records.length;
      bytes += size;
      return true;
    },
    segments() {
      return [...segments];
    },
    async read(segment) {
      const text = await readFile(segment.path, 'utf8');
      const records: TraceRecord[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        records.push(JSON.parse(line) as TraceRecord);
      }
      return records;
    },
    async remove(segment) {
      await unlink(segment.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      const index = segments.indexOf(segment);
      if (index !== -1) {
        segments.splice(index, 1);
        rows -= segment.rows;
        bytes -= segment.bytes;
      }
    },
  };
}
