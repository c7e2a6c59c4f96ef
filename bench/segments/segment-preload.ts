// Loaded into a benchmark target (`node --import …/segment-preload.js`: the gateway, the bare proxy)
// by `npm run bench:segments`. For each request the load generator tagged (its `x-bench-seq`
// header), it notes on the monotonic clock the load generator uses (process.hrtime): when the
// server's 'request' handling starts, when the target creates its upstream request, when that
// request's response headers and its end come, and when the response to the client finishes,
// through Node's and undici's diagnostics channels (no change to the target's own code). On SIGUSR2
// it writes what it noted to segmentsFile(pid) and starts afresh.

import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
// The load generator's own clock, so that both sides' marks are on one time line.
import { monotonicMs } from '../load/send-clock.js';
import { maxTaggedRequests, segmentTagHeader, segmentsFile, type TargetMarks } from './segments.js';
import { writeTargetReport } from '../target-report.js';

const capacity = maxTaggedRequests;
const marks = {
  serverStart: new Float64Array(capacity).fill(Number.NaN),
  upstreamStart: new Float64Array(capacity).fill(Number.NaN),
  upstreamHeaders: new Float64Array(capacity).fill(Number.NaN),
  upstreamEnd: new Float64Array(capacity).fill(Number.NaN),
  responseFinish: new Float64Array(capacity).fill(Number.NaN),
};
let highest = -1;
// The request's tag follows its async work, so the upstream request it makes can be told apart.
const current = new AsyncLocalStorage<number>();
const upstreamOf = new WeakMap<object, number>();

function tagOf(request: IncomingMessage): number | undefined {
  const value = request.headers[segmentTagHeader];
  const tag = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(tag) && tag >= 0 && tag < capacity ? tag : undefined;
}

subscribe('http.server.request.start', (message) => {
  const tag = tagOf((message as { request: IncomingMessage }).request);
  if (tag === undefined) return;
  marks.serverStart[tag] = monotonicMs();
  highest = Math.max(highest, tag);
  current.enterWith(tag);
});
subscribe('http.server.response.finish', (message) => {
  const tag = tagOf((message as { request: IncomingMessage }).request);
  if (tag !== undefined) marks.responseFinish[tag] = monotonicMs();
});
subscribe('undici:request:create', (message) => {
  const tag = current.getStore();
  if (tag === undefined) return;
  const { request } = message as { request: object };
  // The first upstream request of the client's request (a retry would be a later one).
  if (Number.isNaN(marks.upstreamStart[tag]!)) {
    marks.upstreamStart[tag] = monotonicMs();
    upstreamOf.set(request, tag);
  }
});
subscribe('undici:request:headers', (message) => {
  const tag = upstreamOf.get((message as { request: object }).request);
  if (tag !== undefined) marks.upstreamHeaders[tag] = monotonicMs();
});
subscribe('undici:request:trailers', (message) => {
  const tag = upstreamOf.get((message as { request: object }).request);
  if (tag !== undefined) marks.upstreamEnd[tag] = monotonicMs();
});

process.on('SIGUSR2', () => {
  const noted: TargetMarks[] = [];
  for (let tag = 0; tag <= highest; tag += 1) {
    if (Number.isNaN(marks.serverStart[tag]!)) continue;
    noted.push({
      tag,
      serverStart: marks.serverStart[tag]!,
      upstreamStart: marks.upstreamStart[tag]!,
      upstreamHeaders: marks.upstreamHeaders[tag]!,
      upstreamEnd: marks.upstreamEnd[tag]!,
      responseFinish: marks.responseFinish[tag]!,
    });
  }
  for (const list of Object.values(marks)) list.fill(Number.NaN, 0, highest + 1);
  highest = -1;
  const path = segmentsFile(process.pid);
  // NaN (a mark that never came) is written as null.
  writeTargetReport(path, noted);
});
