// The gateway's GC pauses over a run, from its /metrics (switchyard_gc_pauses_total and
// switchyard_gc_pause_seconds_total, src/telemetry/gc-pauses.ts), and its event-loop stalls of
// 100 ms or more (switchyard_event_loop_stall*, src/telemetry/event-loop-stalls.ts): read before and
// after each of its rounds, so that a p99 can be set beside the mark-compacts and the stalls that
// fell inside it.

import { request } from 'undici';

export interface GcPauses {
  /** Mark-compacts (V8's full GC): count and total pause. */
  major: { count: number; ms: number };
  /** Scavenges (young generation). */
  minor: { count: number; ms: number };
  /**
   * Event-loop stalls of 100 ms or more, whatever their cause (a gateway without the metric: absent;
   * a GC pause that long is counted above too).
   */
  stalls?: { count: number; ms: number };
}

export const noGcPauses = (): GcPauses => ({
  major: { count: 0, ms: 0 },
  minor: { count: 0, ms: 0 },
});

/** The major and minor totals in a Prometheus text exposition; undefined when they are absent. */
export function parseGcPauses(text: string): GcPauses | undefined {
  const value = (name: string, kind?: string): number | undefined => {
    const prefix = kind === undefined ? `${name} ` : `${name}{kind="${kind}"} `;
    const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
    return line === undefined ? undefined : Number(line.slice(prefix.length));
  };
  const pauses = noGcPauses();
  for (const kind of ['major', 'minor'] as const) {
    const count = value('switchyard_gc_pauses_total', kind);
    const seconds = value('switchyard_gc_pause_seconds_total', kind);
    if (count === undefined || seconds === undefined) return undefined;
    pauses[kind] = { count, ms: seconds * 1000 };
  }
  const stalls = value('switchyard_event_loop_stalls_total');
  const stalledSeconds = value('switchyard_event_loop_stall_seconds_total');
  if (stalls !== undefined && stalledSeconds !== undefined) {
    pauses.stalls = { count: stalls, ms: stalledSeconds * 1000 };
  }
  return pauses;
}

/** The totals now; undefined if the gateway's /metrics does not answer with them. */
export async function readGatewayGc(gatewayUrl: string): Promise<GcPauses | undefined> {
  try {
    const response = await request(`${gatewayUrl}/metrics`);
    const text = await response.body.text();
    return response.statusCode === 200 ? parseGcPauses(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Adds `after − before` to `into` (both readings present), and returns `into`. */
export function addGcDelta(
  into: GcPauses,
  before: GcPauses | undefined,
  after: GcPauses | undefined,
): GcPauses {
  if (!before || !after) return into;
  for (const kind of ['major', 'minor'] as const) {
    into[kind].count += after[kind].count - before[kind].count;
    into[kind].ms += after[kind].ms - before[kind].ms;
  }
  if (before.stalls && after.stalls) {
    into.stalls ??= { count: 0, ms: 0 };
    into.stalls.count += after.stalls.count - before.stalls.count;
    into.stalls.ms += after.stalls.ms - before.stalls.ms;
  }
  return into;
}
