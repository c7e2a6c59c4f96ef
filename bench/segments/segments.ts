// Where a request's time goes, segment by segment, for `npm run bench:segments`: the load
// generator's marks (scheduled send, actual send, last byte) joined with the marks the target
// noted itself (segment-preload.ts) for the same tagged request, all on the monotonic clock.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from '../load/summarize-latencies.js';

/**
 * Request numbers a target's preload can note per round (its marks are 5 Float64Arrays of this
 * length, 20 MB, allocated once): rate × (seconds + 1 s of warm-up) must stay below it.
 */
export const maxTaggedRequests = 500_000;

/** The request header that carries the load generator's request number. */
export const segmentTagHeader = 'x-bench-seq';

/** Where a target's preload writes its marks when it gets SIGUSR2. */
export function segmentsFile(pid: number): string {
  return join(tmpdir(), `switchyard-segments-${pid}.json`);
}

/** What the target noted for one tagged request (ms, monotonic clock; null: never came). */
export interface TargetMarks {
  tag: number;
  serverStart: number | null;
  upstreamStart: number | null;
  upstreamHeaders: number | null;
  upstreamEnd: number | null;
  responseFinish: number | null;
}

/** What the load generator noted for one request of the measured window. */
export interface ClientMarks {
  tag: number;
  scheduled: number;
  sent: number;
  end: number;
}

/**
 * A request's time from its scheduled send to its last byte, cut at each mark:
 * - lag: scheduled → sent (the load generator's own lateness);
 * - arrive: sent → the target's 'request' handling (loopback, and the target's event loop);
 * - before: that → its upstream request is created (the target's own work before the call);
 * - upstream: → the upstream's response headers (the emulator, loopback, the target's loop);
 * - body: → the upstream's response end;
 * - after: → the response to the client finishes (the target's own work after the call; for a
 *   stream the gateway may end it before the upstream's end: then negative);
 * - leave: → the load generator has the last byte (Node emits the response's 'finish' after the
 *   last write's callback, so a client quick to read may have the bytes first: then negative).
 */
export const segmentNames = [
  'lag',
  'arrive',
  'before',
  'upstream',
  'body',
  'after',
  'leave',
] as const;
export type SegmentName = (typeof segmentNames)[number];

export interface SegmentRow {
  latency: number;
  segments: Record<SegmentName, number>;
}

/** The requests both sides noted whole (a request without an upstream call is left out). */
export function joinMarks(
  client: readonly ClientMarks[],
  target: readonly TargetMarks[],
): SegmentRow[] {
  const byTag = new Map(target.map((marks) => [marks.tag, marks]));
  const rows: SegmentRow[] = [];
  for (const mark of client) {
    const own = byTag.get(mark.tag);
    if (!own) continue;
    const { serverStart, upstreamStart, upstreamHeaders, upstreamEnd, responseFinish } = own;
    if (
      serverStart === null ||
      upstreamStart === null ||
      upstreamHeaders === null ||
      upstreamEnd === null ||
      responseFinish === null
    ) {
      continue;
    }
    rows.push({
      latency: mark.end - mark.scheduled,
      segments: {
        lag: mark.sent - mark.scheduled,
        arrive: serverStart - mark.sent,
        before: upstreamStart - serverStart,
        upstream: upstreamHeaders - upstreamStart,
        body: upstreamEnd - upstreamHeaders,
        after: responseFinish - upstreamEnd,
        leave: mark.end - responseFinish,
      },
    });
  }
  return rows;
}

export interface SegmentSummary {
  count: number;
  latencyP50: number;
  latencyP99: number;
  /** Each segment's own p50 and p99 over every request. */
  p50: Record<SegmentName, number>;
  p99: Record<SegmentName, number>;
  /** The mean of each segment over the slowest 1 % (latency at or above the p99): where they lost time. */
  slowestMean: Record<SegmentName, number>;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function bySegment(compute: (name: SegmentName) => number): Record<SegmentName, number> {
  const out = {} as Record<SegmentName, number>;
  for (const name of segmentNames) out[name] = round(compute(name));
  return out;
}

export function summarizeSegments(rows: readonly SegmentRow[]): SegmentSummary {
  const latencies = Float64Array.from(rows, (row) => row.latency).sort();
  const latencyP99 = percentile(latencies, 99);
  const slowest = rows.filter((row) => row.latency >= latencyP99);
  const sorted = (name: SegmentName) => Float64Array.from(rows, (row) => row.segments[name]).sort();
  const sortedBySegment = new Map(segmentNames.map((name) => [name, sorted(name)]));
  return {
    count: rows.length,
    latencyP50: round(percentile(latencies, 50)),
    latencyP99: round(latencyP99),
    p50: bySegment((name) => percentile(sortedBySegment.get(name)!, 50)),
    p99: bySegment((name) => percentile(sortedBySegment.get(name)!, 99)),
    slowestMean: bySegment((name) =>
      slowest.length === 0
        ? Number.NaN
        : slowest.reduce((sum, row) => sum + row.segments[name], 0) / slowest.length,
    ),
  };
}
