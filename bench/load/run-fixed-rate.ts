// Open-loop load generator on undici: sends requests on a fixed schedule (request i at
// start + i / rate) whatever the target's speed, and times each from its SCHEDULED send time, so a
// stall anywhere (target or generator) shows up in the latency instead of silently lowering the rate
// (no coordinated omission, no bursts to catch up, no after-the-fact latency correction).

import { Pool } from 'undici';
import type { BenchRequest } from '../scenario.js';
import type { GcPauses } from './gateway-gc.js';
import type { CpuUsage } from './process-cpu.js';
import type { ClientMarks } from '../segments/segments.js';
import { monotonicMs, startSendTicker, type SendClock } from './send-clock.js';
import { summarizeLatencies, type LatencySummary } from './summarize-latencies.js';

export interface FixedRateOptions {
  /** Origin of the target, e.g. http://127.0.0.1:PORT. */
  url: string;
  request: BenchRequest;
  ratePerSecond: number;
  /** Measured window. */
  durationMs: number;
  /** Sent at the same rate before the window and not recorded (connections, JIT). */
  warmupMs: number;
  /** Streamed response: time to first byte is recorded too. */
  stream: boolean;
  /** The body must end with this text, else the request counts as an error. */
  streamEndMarker?: string;
  /** Upper bound of sockets; enough that no request waits for one at the rates we run. */
  connections?: number;
  timeoutMs?: number;
  /**
   * What wakes the generator for each send: a sleeping thread (default; within tens of µs of the
   * schedule) or Node's timers (~1 ms granularity, requests leave in pairs when a timer is late;
   * the bench's only clock until the seventeenth session, kept for comparison).
   */
  sendClock?: SendClock;
  /**
   * Tag each request with its number in this header, and keep each measured request's scheduled
   * send, actual send and last byte on the monotonic clock (`FixedRateRound.marks`), to be joined
   * with what the target noted (bench/segments). Off by default: the header is a per-request object.
   */
  tagHeader?: string;
}

export interface FixedRateResult {
  offeredRps: number;
  durationS: number;
  /** Requests scheduled in the measured window. */
  sent: number;
  /** Requests sent in the whole run, warm-up included (for CPU per request). */
  totalSent: number;
  ok: number;
  errors: number;
  /** The first few error messages, for the log. */
  errorSamples: string[];
  /** ok / (last completion − first scheduled send) of the measured window. */
  achievedRps: number;
  /** Scheduled send → last byte of the response. */
  latencyMs: LatencySummary;
  /** Stream only: scheduled send → first byte of the body (the first SSE event). */
  firstByteMs?: LatencySummary;
  /** Actual send − scheduled send: the generator's own lateness (see FixedRateOptions.sendClock). */
  sendLagMs: LatencySummary;
  /** The target process's own CPU (filled in by the harness, Linux only). */
  cpu?: CpuUsage;
  /** Gateway only: its GC pauses during its rounds, warm-up included (from its /metrics). */
  gc?: GcPauses;
  /** Interleaved rounds pooled into this result (absent: one run). */
  rounds?: number;
  /**
   * Each round's own p50 and p99 (in round order; absent: one run). A pooled p99 that one round's
   * stall made shows as one round far above the others.
   */
  roundLatencyMs?: Array<{ p50: number; p99: number }>;
}

/** One run's raw samples (measured window only), so that interleaved rounds can be pooled. */
export interface FixedRateRound {
  durationMs: number;
  sent: number;
  totalSent: number;
  errors: number;
  errorSamples: string[];
  /** First scheduled send → last completion of the measured window (at least durationMs). */
  windowMs: number;
  latencies: Float64Array;
  firstBytes: Float64Array | undefined;
  sendLags: Float64Array;
  /** With `tagHeader`: each measured request's marks (ms, monotonic clock), in request order. */
  marks?: ClientMarks[];
}

export async function runFixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  return summarizeFixedRate(options, [await runFixedRateRound(options)]);
}

/**
 * Pools rounds of the same rate (percentiles of all their samples together; req/s over their
 * windows together): a target measured in several short rounds interleaved with the others'
 * rounds meets the host's drifting background load as the others do.
 */
export function summarizeFixedRate(
  options: Pick<FixedRateOptions, 'ratePerSecond' | 'stream'>,
  rounds: readonly FixedRateRound[],
): FixedRateResult {
  const concat = (pick: (round: FixedRateRound) => Float64Array) => {
    const all = new Float64Array(rounds.reduce((sum, round) => sum + pick(round).length, 0));
    let offset = 0;
    for (const round of rounds) {
      all.set(pick(round), offset);
      offset += pick(round).length;
    }
    return all;
  };
  const sum = (pick: (round: FixedRateRound) => number) =>
    rounds.reduce((total, round) => total + pick(round), 0);
  const sent = sum((round) => round.sent);
  const errors = sum((round) => round.errors);
  const ok = sent - errors;
  const windowMs = sum((round) => round.windowMs);
  const result: FixedRateResult = {
    offeredRps: options.ratePerSecond,
    durationS: sum((round) => round.durationMs) / 1000,
    sent,
    totalSent: sum((round) => round.totalSent),
    ok,
    errors,
    errorSamples: rounds.flatMap((round) => round.errorSamples).slice(0, 3),
    achievedRps: windowMs > 0 ? Math.round((ok / windowMs) * 1000 * 10) / 10 : 0,
    latencyMs: summarizeLatencies(concat((round) => round.latencies)),
    sendLagMs: summarizeLatencies(concat((round) => round.sendLags)),
  };
  if (rounds.length > 1) {
    result.rounds = rounds.length;
    result.roundLatencyMs = rounds.map((round) => {
      const { p50, p99 } = summarizeLatencies(round.latencies);
      return { p50, p99 };
    });
  }
  if (options.stream) {
    result.firstByteMs = summarizeLatencies(
      concat((round) => round.firstBytes ?? new Float64Array(0)),
    );
  }
  return result;
}

export async function runFixedRateRound(options: FixedRateOptions): Promise<FixedRateRound> {
  const { request, ratePerSecond } = options;
  const intervalMs = 1000 / ratePerSecond;
  const warmupCount = Math.round((ratePerSecond * options.warmupMs) / 1000);
  const measuredCount = Math.max(1, Math.round((ratePerSecond * options.durationMs) / 1000));
  const total = warmupCount + measuredCount;
  const marker = options.streamEndMarker;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pool = new Pool(options.url, {
    connections: options.connections ?? 256,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const body = Buffer.from(request.body);
  const headers = { ...request.headers, 'content-length': String(body.length) };

  const latencies = new Float64Array(measuredCount).fill(Number.NaN);
  const firstBytes = new Float64Array(measuredCount).fill(Number.NaN);
  const sendLags = new Float64Array(measuredCount);
  const tagHeader = options.tagHeader;
  const sentMarks = tagHeader ? new Float64Array(measuredCount).fill(Number.NaN) : undefined;
  const endMarks = tagHeader ? new Float64Array(measuredCount).fill(Number.NaN) : undefined;
  const errorSamples: string[] = [];
  let errors = 0;
  let lastCompletion = 0;
  let pending = 0;
  let next = 0;
  let allScheduled = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  function fail(index: number, message: string): void {
    if (index < warmupCount) return;
    errors++;
    if (errorSamples.length < 3) errorSamples.push(message);
  }

  async function send(index: number, scheduledAt: number): Promise<void> {
    const sentAt = performance.now();
    const sentMark = sentMarks ? monotonicMs() : 0;
    const response = await pool.request({
      path: request.path,
      method: 'POST',
      headers: tagHeader ? { ...headers, [tagHeader]: String(index) } : headers,
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    let firstByteAt = 0;
    let tail = '';
    let bytes = 0;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      if (firstByteAt === 0) firstByteAt = performance.now();
      bytes += buffer.length;
      if (marker !== undefined) tail = (tail + buffer.toString('latin1')).slice(-marker.length);
    }
    const endAt = performance.now();
    lastCompletion = Math.max(lastCompletion, endAt);
    if (index < warmupCount) return;
    if (response.statusCode !== 200) return fail(index, `status ${response.statusCode}`);
    if (bytes === 0) return fail(index, 'empty body');
    if (marker !== undefined && tail !== marker) return fail(index, 'stream ended without marker');
    const slot = index - warmupCount;
    if (sentMarks && endMarks) {
      sentMarks[slot] = sentMark;
      endMarks[slot] = monotonicMs();
    }
    latencies[slot] = endAt - scheduledAt;
    firstBytes[slot] = firstByteAt - scheduledAt;
    sendLags[slot] = sentAt - scheduledAt;
  }

  function fire(index: number, scheduledAt: number): void {
    pending++;
    send(index, scheduledAt)
      .catch((error: unknown) =>
        fail(index, error instanceof Error ? error.message : String(error)),
      )
      .finally(() => {
        pending--;
        if (allScheduled && pending === 0) resolveDone();
      });
  }

  // The first send 2 ms from now, on both clocks (read back to back).
  const startAt = performance.now() + 2;
  const startMonotonicMs = monotonicMs() + 2;
  const measureStart = startAt + warmupCount * intervalMs;
  function fireDue(upTo: number): void {
    while (next <= upTo && next < total) {
      fire(next, startAt + next * intervalMs);
      next++;
    }
    if (next >= total && !allScheduled) {
      allScheduled = true;
      if (pending === 0) resolveDone();
    }
  }
  let stopTicker = async (): Promise<void> => {};
  let tickerError: Error | undefined;
  if ((options.sendClock ?? 'thread') === 'thread') {
    const ticker = startSendTicker(
      { startMs: startMonotonicMs, intervalMs, total },
      (index) => fireDue(index),
      (error) => {
        tickerError = error;
        resolveDone();
      },
    );
    stopTicker = () => ticker.stop();
  } else {
    const tick = (): void => {
      const now = performance.now();
      fireDue(Math.floor((now - startAt) / intervalMs));
      if (next < total) {
        // Node's timers have ~1 ms granularity: a request may leave up to ~1 ms late, and that
        // lag is inside its latency (the same for every target), and reported as sendLagMs.
        setTimeout(tick, Math.max(0, startAt + next * intervalMs - performance.now()));
      }
    };
    setTimeout(tick, 2);
  }
  await done;
  await stopTicker();
  await pool.close();
  if (tickerError) throw tickerError;

  const windowMs = Math.max(lastCompletion - measureStart, options.durationMs);
  return {
    durationMs: options.durationMs,
    sent: measuredCount,
    totalSent: total,
    errors,
    errorSamples,
    windowMs,
    latencies: latencies.filter((value) => !Number.isNaN(value)),
    firstBytes: options.stream ? firstBytes.filter((value) => !Number.isNaN(value)) : undefined,
    sendLags,
    ...(sentMarks && endMarks
      ? { marks: clientMarks(startMonotonicMs, intervalMs, warmupCount, sentMarks, endMarks) }
      : {}),
  };
}

/** The measured requests that completed, as marks on the monotonic clock. */
function clientMarks(
  startMs: number,
  intervalMs: number,
  warmupCount: number,
  sent: Float64Array,
  end: Float64Array,
): ClientMarks[] {
  const marks: ClientMarks[] = [];
  for (let slot = 0; slot < sent.length; slot += 1) {
    if (Number.isNaN(end[slot]!)) continue;
    const tag = warmupCount + slot;
    marks.push({ tag, scheduled: startMs + tag * intervalMs, sent: sent[slot]!, end: end[slot]! });
  }
  return marks;
}
