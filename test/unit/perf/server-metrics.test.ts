import { describe, expect, it } from 'vitest';
import { parsePrometheusText, summarizeServer, vllmSnapshot, type ServerSnapshot } from '../../../src/perf/server-metrics.ts';

const TEXT = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="Qwen"} 3.0
vllm:num_requests_running{engine="1",model_name="Qwen"} 1.0
vllm:num_requests_waiting{engine="0",model_name="Qwen"} 2.0
vllm:kv_cache_usage_perc{engine="0",model_name="Qwen"} 0.25
vllm:kv_cache_usage_perc{engine="1",model_name="Qwen"} 0.5
vllm:prefix_cache_queries_total{engine="0",model_name="Qwen"} 1000.0
vllm:prefix_cache_hits_total{engine="0",model_name="Qwen"} 400.0
vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="Qwen"} 7 1700000000000
odd line without value
weird{a="x \\"quoted\\" y"} 5
`;

describe('Prometheus text parser', () => {
  it('reads names, labels (escapes included) and values; skips comments and junk', () => {
    const s = parsePrometheusText(TEXT);
    expect(s).toHaveLength(9);
    expect(s[0]).toEqual({ name: 'vllm:num_requests_running', labels: { engine: '0', model_name: 'Qwen' }, value: 3 });
    expect(s.find((x) => x.name.endsWith('_bucket'))).toMatchObject({ labels: { le: '+Inf' }, value: 7 });
    expect(s.at(-1)).toEqual({ name: 'weird', labels: { a: 'x "quoted" y' }, value: 5 });
  });

  it('sums running/waiting over engines, takes the max KV-cache usage, reads the prefix counters', () => {
    expect(vllmSnapshot(TEXT, 12)).toEqual({ t_ms: 12, running: 4, waiting: 2, kv_cache_usage: 0.5, prefix_queries: 1000, prefix_hits: 400 });
    expect(vllmSnapshot('vllm:gpu_cache_usage_perc 0.7\n', 0)).toMatchObject({ running: null, kv_cache_usage: 0.7, prefix_queries: null });
  });
});

describe('per-level server summary', () => {
  const snap = (t: number, running: number, waiting: number, q: number | null, h: number | null): ServerSnapshot => ({
    t_ms: t, running, waiting, kv_cache_usage: running / 10, prefix_queries: q, prefix_hits: h,
  });

  it('takes maxima and the hit rate over the level (first → last counters)', () => {
    const s = summarizeServer('http://127.0.0.1:1', [snap(0, 0, 0, 1000, 400), snap(1000, 4, 3, 3000, 1600), snap(2000, 1, 0, 5000, 2400)], 1);
    expect(s).toMatchObject({ scrapes: 3, scrape_errors: 1, max_running: 4, max_waiting: 3, max_kv_cache_usage: 0.4, prefix_cache_queried_tokens: 4000 });
    expect(s.prefix_cache_hit_rate).toBeCloseTo(0.5, 9);
    expect(s.note).toBeUndefined();
  });

  it('counts from zero after a counter reset, and has no rate without queries or scrapes', () => {
    const reset = summarizeServer('u', [snap(0, 1, 0, 9000, 9000), snap(1, 1, 0, 200, 50)], 0);
    expect(reset.prefix_cache_hit_rate).toBeCloseTo(0.25, 9);
    expect(summarizeServer('u', [snap(0, 1, 0, 100, 0), snap(1, 1, 0, 100, 0)], 0).prefix_cache_hit_rate).toBeNull();
    const none = summarizeServer('u', [], 3);
    expect(none).toMatchObject({ scrapes: 0, max_running: null, prefix_cache_hit_rate: null, note: '3 scrapes of /metrics failed' });
  });
});
