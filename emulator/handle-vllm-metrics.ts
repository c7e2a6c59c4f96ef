// GET /metrics for the vllm kind: the Prometheus text of the gauges and counters routers scrape.
// Names per vLLM docs/design/metrics.md (V1 names: kv_cache_usage_perc, prefix_cache_*_total).
import type { ServerResponse } from 'node:http';
import type { EmulatorContext } from './emulator-context.js';

/** Each in-flight request is taken to hold 1/64 of the KV cache (imitation, capped at 1). */
const KV_SHARE_PER_REQUEST = 1 / 64;

export function handleVllmMetrics(response: ServerResponse, context: EmulatorContext): void {
  const { counters, options } = context;
  const labels = `engine="0",model_name="${options.baseModel}"`;
  const running = context.inFlight();
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [extraLabels, value] of samples)
      lines.push(`${name}{${extraLabels}${labels}} ${formatValue(value)}`);
  };
  metric('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', [
    ['', running],
  ]);
  metric('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', [
    ['', 0],
  ]);
  metric('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', [
    ['', Math.min(1, running * KV_SHARE_PER_REQUEST)],
  ]);
  metric(
    'vllm:prefix_cache_queries_total',
    'counter',
    'Prefix cache queries, in terms of number of queried tokens.',
    [['', counters.prefixQueries]],
  );
  metric(
    'vllm:prefix_cache_hits_total',
    'counter',
    'Prefix cache hits, in terms of number of cached tokens.',
    [['', counters.prefixHits]],
  );
  metric('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', [
    ['', counters.promptTokens],
  ]);
  metric('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', [
    ['', counters.generationTokens],
  ]);
  metric(
    'vllm:request_success_total',
    'counter',
    'Count of successfully processed requests.',
    ['stop', 'length', 'abort'].map((reason) => [
      `finished_reason="${reason}",`,
      counters.finished[reason] ?? 0,
    ]),
  );
  const body = lines.join('\n') + '\n';
  response.writeHead(200, {
    'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** prometheus_client prints floats: 3 → "3.0". */
function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}
