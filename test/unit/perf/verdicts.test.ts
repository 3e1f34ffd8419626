import { describe, expect, it } from 'vitest';
import { profileCeiling } from '../../../src/profiles/ceiling.ts';
import { parseThreshold } from '../../../src/profiles/threshold.ts';
import type { ProfileTarget, Threshold } from '../../../src/profiles/types.ts';
import { describe as stats } from '../../../src/perf/stats.ts';
import { evaluateLevel, judgeLevel, judgeTargets, poolRuns, runStatistic } from '../../../src/perf/verdicts.ts';
import type { PerfRun } from '../../../src/types.ts';

function target(id: string, metric: string, threshold: string, scope: 'run' | 'capacity' = 'run', range?: [number, number]): ProfileTarget {
  return {
    id,
    metric,
    threshold,
    parsed: parseThreshold(threshold) as Threshold,
    documented: range ? `${range[0]}–${range[1]}` : null,
    ...(range ? { documented_range: range } : {}),
    scope,
    source: 'guide',
  };
}

const TARGETS = [
  target('ttft_p95_ms', 'ttft_ms', 'p(95)<=4000', 'run', [2000, 4000]),
  target('output_tokens_per_s_p50', 'output_tokens_per_s', 'p(50)>=8', 'run', [8, 12]),
  target('error_rate', 'error_rate', 'rate<=0.01'),
  target('max_users', 'max_users', 'value>=3', 'capacity', [3, 5]),
];

function run(users: number, ttft: number[], tps: number[], failed = 0): PerfRun {
  const empty = stats([]);
  return {
    concurrency: users,
    mode: 'closed',
    duration_s: 10,
    requests: { ok: ttft.length, failed, errors_by_kind: failed ? { timeout: failed } : {} },
    ttft_ms: stats(ttft),
    tpot_ms: empty,
    itl_ms: empty,
    e2el_ms: empty,
    output_tokens_per_s: { p50: stats(tps).p50, aggregate: 0 },
    vllm_compat: {},
    samples: { ttft_ms: ttft, tpot_ms: [], e2el_ms: [], output_tokens_per_s: tps },
  };
}

const CEILING = profileCeiling({
  model: { id: 'm', architecture: 'dense', params: 32.5e9, active_params: 32.5e9, dtype: 'bf16', bytes_per_param: 2, kv_cache_bytes_per_token: 262144, kv_cache_derivation: '' },
  hardware: { cpu: { name: 'x', assumed: false }, gpu: { name: 'A40', count: 2, memory_gb: 48, memory_bandwidth_gb_s: 696, dense_tflops: 149.7, assumed: true, reason: '' }, interconnect: '' },
  vllm: { args: [], documented: [], max_model_len: 8192, max_num_seqs: 10, max_num_batched_tokens: 2048, tensor_parallel_size: 2, gpu_memory_utilization: 0.9, block_size: 16, enable_prefix_caching: true },
});

describe('statistics a threshold picks out of a run', () => {
  it('reads percentiles from samples and the error rate from counts', () => {
    const r = run(1, [1000, 2000, 3000, 4000, 5000], [10, 12], 1);
    expect(runStatistic(r, 'ttft_ms', { stat: 'p', percentile: 95, op: '<=', value: 0 })).toBeCloseTo(4800, 9);
    expect(runStatistic(r, 'output_tokens_per_s', { stat: 'p', percentile: 50, op: '>=', value: 0 })).toBe(11);
    expect(runStatistic(r, 'error_rate', { stat: 'rate', op: '<=', value: 0 })).toBeCloseTo(1 / 6, 12);
    expect(runStatistic(run(1, [], []), 'ttft_ms', { stat: 'p', percentile: 95, op: '<=', value: 0 })).toBeNull();
  });

  it('judges a level on every run-scope target and names the failing ones', () => {
    expect(evaluateLevel(run(2, [2000, 3000], [9, 10]), TARGETS)).toMatchObject({ pass: true, failing: [] });
    expect(evaluateLevel(run(8, [3000, 6000], [6, 7], 1), TARGETS).failing).toEqual(['ttft_p95_ms', 'output_tokens_per_s_p50', 'error_rate']);
  });
});

describe('verdicts against the profile', () => {
  it('judges run targets at the level nearest the documented users, with the ceiling next to the figure', () => {
    expect(judgeLevel([run(1, [1], [1]), run(2, [1], [1]), run(4, [1], [1])], TARGETS)).toBe(4); // 3 is as near to 2 as to 4: the higher
    const v = judgeTargets({
      targets: TARGETS,
      runs: [run(1, [2000, 2100], [11, 12]), run(4, [2500, 3500], [9, 9.5]), run(8, [5000, 7000], [6, 7])],
      ceiling: CEILING,
      uncachedPromptTokens: 2048,
      emulated: true,
      capacity: { max_users: 4, first_failing_users: 5, binding_constraint: 'ttft_p95_ms', levels: [], stopped: 'converged' },
    });
    const by = Object.fromEntries(v.map((x) => [x.metric, x]));
    expect(by['ttft_p95_ms']).toMatchObject({ status: 'pass', documented: '2000–4000', emulated: true });
    expect(by['ttft_p95_ms']!.measured).toBeCloseTo(3450, 9);
    // prefill floor: 2048 tokens ÷ (2 × 149.7e12 / (2 × 32.5e9)) tokens/s
    expect(by['ttft_p95_ms']!.ceiling).toBeCloseTo((2048 * 1000) / ((2 * 149.7e12) / (2 * 32.5e9)), 6);
    expect(by['output_tokens_per_s_p50']).toMatchObject({ status: 'pass', measured: 9.25 });
    expect(by['output_tokens_per_s_p50']!.ceiling).toBeCloseTo(1392e9 / 65e9, 9);
    expect(by['max_users']).toMatchObject({ status: 'pass', measured: 4 });
    expect(by['max_users']!.detail).toContain('binding: ttft_p95_ms');
    expect(v.every((x) => x.detail.startsWith('EMULATED'))).toBe(true);
  });

  it('fails a missed target, warns above the physical ceiling, and judges capacity without a sweep', () => {
    const v = judgeTargets({ targets: TARGETS, runs: [run(1, [2000], [30]), run(3, [5000, 6000], [9, 9])], ceiling: CEILING, emulated: false });
    const by = Object.fromEntries(v.map((x) => [x.metric, x]));
    expect(by['ttft_p95_ms']!.status).toBe('fail');
    expect(by['max_users']).toMatchObject({ status: 'fail', measured: 1 });
    const fast = judgeTargets({ targets: TARGETS, runs: [run(3, [2000], [30])], ceiling: CEILING, emulated: false });
    expect(fast.find((x) => x.metric === 'output_tokens_per_s_p50')!.status).toBe('warn');
    const low = judgeTargets({ targets: TARGETS, runs: [run(1, [2000], [10])], ceiling: null, emulated: false });
    expect(low.find((x) => x.metric === 'max_users')!.status).toBe('skip');
  });

  it('uses a confidence interval over repeats (warn when it crosses), or pools boundary repeats', () => {
    const repeats = [run(3, [3900], [10]), run(3, [3500], [10]), run(3, [3990], [10])];
    const withCi = judgeTargets({ targets: TARGETS, runs: repeats, ceiling: null, emulated: false, confidence: true });
    expect(withCi.find((x) => x.metric === 'ttft_p95_ms')).toMatchObject({ status: 'warn' });
    expect(withCi.find((x) => x.metric === 'ttft_p95_ms')!.detail).toMatch(/95% CI .* 3 runs/);
    const pooled = judgeTargets({ targets: TARGETS, runs: repeats, ceiling: null, emulated: false });
    expect(pooled.find((x) => x.metric === 'ttft_p95_ms')).toMatchObject({ status: 'pass' });
    expect(poolRuns(repeats).samples.ttft_ms).toEqual([3900, 3500, 3990]);
    expect(poolRuns(repeats).requests.ok).toBe(3);
  });
});
