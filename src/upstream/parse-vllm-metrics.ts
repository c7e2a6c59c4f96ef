// Reads the load gauges and prefix-cache counters a router needs from vLLM's Prometheus text.
// New names first (vllm:kv_cache_usage_perc, vllm:prefix_cache_{queries,hits}_total); the names
// older servers export (vllm:gpu_cache_usage_perc, vllm:gpu_prefix_cache_{queries,hits}[_total])
// are accepted too (renamed in vLLM PR #18354, old ones removed in PR #29330).
// Format: https://prometheus.io/docs/instrumenting/exposition_formats/

export interface VllmLoad {
  running: number;
  waiting: number;
  /** 0..1 */
  kvCacheUsage: number;
  prefixQueries: number;
  prefixHits: number;
}

const names: Record<string, keyof VllmLoad> = {
  'vllm:num_requests_running': 'running',
  'vllm:num_requests_waiting': 'waiting',
  'vllm:kv_cache_usage_perc': 'kvCacheUsage',
  'vllm:gpu_cache_usage_perc': 'kvCacheUsage',
  'vllm:prefix_cache_queries_total': 'prefixQueries',
  'vllm:prefix_cache_hits_total': 'prefixHits',
  'vllm:gpu_prefix_cache_queries_total': 'prefixQueries',
  'vllm:gpu_prefix_cache_hits_total': 'prefixHits',
  'vllm:gpu_prefix_cache_queries': 'prefixQueries',
  'vllm:gpu_prefix_cache_hits': 'prefixHits',
};

/** Sums each metric over its label sets (several engines / models); a usage gauge takes the max. */
export function parseVllmMetrics(text: string): Partial<VllmLoad> {
  const result: Partial<VllmLoad> = {};
  // A server exporting both names (during the deprecation window) must not be counted twice.
  const seenNew = new Set<keyof VllmLoad>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    if (nameEnd <= 0) continue;
    const name = line.slice(0, nameEnd);
    const field = names[name];
    if (field === undefined) continue;
    const isOld = name.includes(':gpu_');
    if (isOld && seenNew.has(field)) continue;
    if (!isOld && !seenNew.has(field)) {
      seenNew.add(field);
      delete result[field];
    }
    const afterLabels = line.lastIndexOf('}');
    const rest = (afterLabels === -1 ? line.slice(nameEnd) : line.slice(afterLabels + 1)).trim();
    const value = Number(rest.split(/\s+/)[0]);
    if (!Number.isFinite(value)) continue;
    const previous = result[field];
    result[field] =
      field === 'kvCacheUsage' ? Math.max(previous ?? 0, value) : (previous ?? 0) + value;
  }
  return result;
}
