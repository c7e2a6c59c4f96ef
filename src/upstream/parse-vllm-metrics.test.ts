import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVllmMetrics } from './parse-vllm-metrics.js';

describe('parseVllmMetrics', () => {
  it('reads the current names, summing label sets', () => {
    const text = [
      '# HELP vllm:num_requests_running Number of requests in model execution batches.',
      '# TYPE vllm:num_requests_running gauge',
      'vllm:num_requests_running{engine="0",model_name="m"} 3.0',
      'vllm:num_requests_running{engine="1",model_name="m"} 2.0',
      'vllm:num_requests_waiting{engine="0",model_name="m"} 4.0',
      'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25',
      'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.5',
      'vllm:prefix_cache_queries_total{engine="0",model_name="m"} 1000.0',
      'vllm:prefix_cache_hits_total{engine="0",model_name="m"} 600.0',
    ].join('\n');
    assert.deepEqual(parseVllmMetrics(text), {
      running: 5,
      waiting: 4,
      kvCacheUsage: 0.5,
      prefixQueries: 1000,
      prefixHits: 600,
    });
  });

  it('accepts the deprecated names of older vLLM servers', () => {
    const text = [
      'vllm:gpu_cache_usage_perc{model_name="m"} 0.75',
      'vllm:gpu_prefix_cache_queries_total{model_name="m"} 50',
      'vllm:gpu_prefix_cache_hits{model_name="m"} 20',
    ].join('\n');
    assert.deepEqual(parseVllmMetrics(text), {
      kvCacheUsage: 0.75,
      prefixQueries: 50,
      prefixHits: 20,
    });
  });

  it('does not count a metric twice when both names are exported', () => {
    const text = [
      'vllm:gpu_cache_usage_perc{model_name="m"} 0.9',
      'vllm:kv_cache_usage_perc{model_name="m"} 0.4',
      'vllm:prefix_cache_hits_total{model_name="m"} 7',
      'vllm:gpu_prefix_cache_hits_total{model_name="m"} 7',
    ].join('\n');
    assert.deepEqual(parseVllmMetrics(text), { kvCacheUsage: 0.4, prefixHits: 7 });
  });
});
