// Checks a control-API body is a FaultPlan or FaultPlan[]; returns the plans or an error message.
import type { FaultPlan } from './types.js';

const NUMBER_KEYS = [
  'latencyMs',
  'ttftMs',
  'chunkDelayMs',
  'endDelayMs',
  'status',
  'afterChunks',
  'probability',
  'count',
];
const STRING_KEYS = ['path', 'retryAfter', 'errorType', 'reply'];
const BOOLEAN_KEYS = ['truncate', 'malformed', 'midStreamError'];
const ENUM_KEYS: Record<string, string[]> = {
  hang: ['before-headers', 'after-headers', 'mid-stream'],
  reset: ['before-headers', 'mid-stream'],
};

export function parseFaultPlans(value: unknown): FaultPlan[] | string {
  const plans = Array.isArray(value) ? value : [value];
  for (const [index, plan] of plans.entries()) {
    if (!plan || typeof plan !== 'object' || Array.isArray(plan))
      return `plan ${index}: expected an object`;
    for (const [key, field] of Object.entries(plan as Record<string, unknown>)) {
      const ok = NUMBER_KEYS.includes(key)
        ? typeof field === 'number' && Number.isFinite(field)
        : STRING_KEYS.includes(key)
          ? typeof field === 'string'
          : BOOLEAN_KEYS.includes(key)
            ? typeof field === 'boolean'
            : ENUM_KEYS[key]
              ? ENUM_KEYS[key].includes(field as string)
              : false;
      if (!ok) return `plan ${index}: invalid or unknown field '${key}'`;
    }
  }
  return plans as FaultPlan[];
}
