import { describe, expect, it } from 'vitest';
import { EmulatorMetrics, Histogram, buckets125 } from '../../../src/emulator/metrics.ts';

describe('buckets125 (vLLM build_1_2_5_buckets)', () => {
  it('goes 1, 2, 5, 10, … up to the maximum', () => {
    expect(buckets125(100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(buckets125(8192)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]);
  });
});

describe('Histogram', () => {
  it('renders cumulative buckets, +Inf, count and sum', () => {
    const h = new Histogram([0.1, 1, 10]);
    h.observe(0.05);
    h.observe(0.5, 2);
    h.observe(50);
    h.observe(Number.NaN);
    expect(h.render('m', 'model_name="x"')).toEqual([
      'm_bucket{model_name="x",le="0.1"} 1.0',
      'm_bucket{model_name="x",le="1.0"} 3.0',
      'm_bucket{model_name="x",le="10.0"} 3.0',
      'm_bucket{model_name="x",le="+Inf"} 4.0',
      'm_count{model_name="x"} 4.0',
      'm_sum{model_name="x"} 51.05',
    ]);
  });
});

describe('EmulatorMetrics', () => {
  it('exposes vLLM-named series from the scheduler gauges and finished requests', () => {
    const m = new EmulatorMetrics(8192);
    m.accepted(1000);
    m.observeFinished({ reason: 'stop', promptTokens: 1000, generationTokens: 3, ttftS: 2.1, e2eS: 2.3, queueS: 1.2, prefillS: 0.9, decodeS: 0.2, gapsS: [0.1, 0.1] });
    m.observeFinished({ reason: 'length', promptTokens: 10, generationTokens: 5, ttftS: 0.05, e2eS: 0.07, queueS: 0, prefillS: 0.05, decodeS: 0.02, gapsS: { value: 0.005, times: 4 } });
    const text = m.render('Qwen/Q', { running: 2, waiting: 3, kvCacheUsage: 0.25, prefixQueries: 1010, prefixHits: 500 }, 'EMULATED');
    const label = 'model_name="Qwen/Q"';
    for (const line of [
      `vllm:num_requests_running{${label}} 2.0`,
      `vllm:num_requests_waiting{${label}} 3.0`,
      `vllm:kv_cache_usage_perc{${label}} 0.25`,
      `vllm:prefix_cache_queries_total{${label}} 1010.0`,
      `vllm:prefix_cache_hits_total{${label}} 500.0`,
      `vllm:prompt_tokens_total{${label}} 1000.0`,
      `vllm:generation_tokens_total{${label}} 8.0`,
      `vllm:request_success_total{finished_reason="stop",${label}} 1.0`,
      `vllm:request_success_total{finished_reason="length",${label}} 1.0`,
      `vllm:time_to_first_token_seconds_count{${label}} 2.0`,
      `vllm:time_to_first_token_seconds_bucket{${label},le="2.5"} 2.0`,
      `vllm:time_to_first_token_seconds_bucket{${label},le="1.0"} 1.0`,
      `vllm:time_per_output_token_seconds_count{${label}} 6.0`,
      `vllm:e2e_request_latency_seconds_count{${label}} 2.0`,
      `vllm:request_queue_time_seconds_count{${label}} 2.0`,
      '# TYPE vllm:e2e_request_latency_seconds histogram',
      '# EMULATED',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });
});
