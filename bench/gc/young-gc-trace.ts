// Reads V8's --trace-gc-nvp lines (one per GC: `[pid:0xISOLATE]  N ms: pause=… gc=s … allocated=…
// promoted=… new_space_survived=…`) and sums up the young-generation GCs (scavenges, `gc=s`) of the
// busiest isolate: the main thread's, beside which worker threads print their own (the embedded
// trace store's did until it moved to a child process, which gets no V8 flags of the gateway's).

export interface ScavengeSummary {
  scavenges: number;
  markCompacts: number;
  /** Averages per scavenge, bytes. */
  allocatedBytes: number;
  survivedBytes: number;
  promotedBytes: number;
  pauseMs: number;
  maxPauseMs: number;
}

interface GcLine {
  isolate: string;
  kind: string;
  fields: Map<string, number>;
}

function parseLine(line: string): GcLine | undefined {
  const isolate = /^\[(\d+:0x[0-9a-f]+)\]/.exec(line)?.[1];
  if (!isolate) return undefined;
  const fields = new Map<string, number>();
  let kind: string | undefined;
  for (const pair of line.matchAll(/(\w[\w.]*)=(\S+)/g)) {
    if (pair[1] === 'gc') kind = pair[2];
    else fields.set(pair[1]!, Number(pair[2]));
  }
  return kind ? { isolate, kind, fields } : undefined;
}

export function summarizeScavenges(lines: readonly string[]): ScavengeSummary {
  const byIsolate = new Map<string, GcLine[]>();
  for (const line of lines) {
    const gc = parseLine(line);
    if (!gc) continue;
    const list = byIsolate.get(gc.isolate) ?? [];
    list.push(gc);
    byIsolate.set(gc.isolate, list);
  }
  const allocated = (list: readonly GcLine[]) =>
    list.reduce((sum, gc) => sum + (gc.fields.get('allocated') ?? 0), 0);
  let busiest: GcLine[] = [];
  for (const list of byIsolate.values()) if (allocated(list) > allocated(busiest)) busiest = list;
  const scavenges = busiest.filter((gc) => gc.kind === 's');
  const average = (field: string) =>
    scavenges.length === 0
      ? 0
      : scavenges.reduce((sum, gc) => sum + (gc.fields.get(field) ?? 0), 0) / scavenges.length;
  return {
    scavenges: scavenges.length,
    markCompacts: busiest.length - scavenges.length,
    allocatedBytes: average('allocated'),
    survivedBytes: average('new_space_survived'),
    promotedBytes: average('promoted'),
    pauseMs: average('pause'),
    maxPauseMs: scavenges.reduce((max, gc) => Math.max(max, gc.fields.get('pause') ?? 0), 0),
  };
}
