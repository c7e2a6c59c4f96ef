// The fault queue: the first plan whose `path` matches applies (subject to its probability); a
// plan with `count` is removed after that many requests.
import { createSeededRandom } from './seeded-random.js';
import type { FaultPlan } from './types.js';

export interface FaultQueue {
  set(plan: FaultPlan | FaultPlan[]): void;
  clear(): void;
  /** The fault for a request on `path`, consuming one of its `count`; undefined for none. */
  take(path: string): FaultPlan | undefined;
  /** True if any queued plan would answer with `status` (vLLM /health reports 503). */
  hasStatus(status: number): boolean;
  list(): FaultPlan[];
}

interface Entry {
  plan: FaultPlan;
  remaining: number;
}

export function createFaultQueue(seed: number): FaultQueue {
  let entries: Entry[] = [];
  let random = createSeededRandom(seed);
  return {
    set(plan) {
      const plans = Array.isArray(plan) ? plan : [plan];
      entries = plans.map((item) => ({ plan: { ...item }, remaining: item.count ?? Infinity }));
      random = createSeededRandom(seed);
    },
    clear() {
      entries = [];
    },
    take(path) {
      if (entries.length === 0) return undefined;
      const index = entries.findIndex(
        (entry) => entry.plan.path === undefined || path.startsWith(entry.plan.path),
      );
      const entry = entries[index];
      if (!entry) return undefined;
      const probability = entry.plan.probability ?? 1;
      if (probability < 1 && random() >= probability) return undefined;
      entry.remaining--;
      if (entry.remaining <= 0) entries.splice(index, 1);
      return entry.plan;
    },
    hasStatus(status) {
      return entries.some((entry) => entry.plan.status === status);
    },
    list() {
      return entries.map((entry) => ({ ...entry.plan }));
    },
  };
}
