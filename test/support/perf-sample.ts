/**
 * Hand-built perf results for report and gate tests: PerfRuns made from
 * per-request samples (seeded, so every test run sees the same numbers),
 * shaped as the PerfResult contract in src/types.ts.
 */
import type { DistributionStats, PerfRun, PerfVerdict, RunResult } from '../../src/types.ts';
import { sampleResult } from './sample-result.ts';

/** Seeded uniform [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function stats(values: readonly number[]): DistributionStats {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { n: 0, mean: 0, std: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0 };
  const pct = (p: number): number => {
    const rank = (p / 100) * (n - 1);
    const lo = Math.floor(rank);
    const hi = Math.min(n - 1, lo + 1);
    return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (rank - lo);
  };
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { n, mean, std, min: s[0] as number, max: s[n - 1] as number, p50: pct(50), p90: pct(90), p95: pct(95), p99: pct(99) };
}

export interface SyntheticLoad {
  readonly concurrency: number;
  readonly requests: number;
  readonly ttftMs: number;
  readonly itlMs: number;
  readonly tokens: number;
  /** Relative spread of each sample, e.g. 0.05 = ±5 %. */
  readonly jitter?: number;
  readonly failed?: number;
  readonly seed?: number;
}

/** One load level with per-request samples around the given timing. */
export function syntheticRun(load: SyntheticLoad): PerfRun {
  const rnd = seeded(load.seed ?? 1);
  const j = load.jitter ?? 0.05;
  const noisy = (v: number): number => v * (1 + (rnd() * 2 - 1) * j);
  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2el: number[] = [];
  const tps: number[] = [];
  for (let i = 0; i < load.requests; i++) {
    const t = noisy(load.ttftMs);
    const p = noisy(load.itlMs);
    ttft.push(t);
    tpot.push(p);
    e2el.push(t + p * (load.tokens - 1));
    tps.push(1000 / p);
  }
  return perfRunFromSamples(load.concurrency, { ttft, tpot, e2el, tps }, load.tokens, load.failed ?? 0);
}

/** A PerfRun whose summaries are computed from the given samples. */
export function perfRunFromSamples(
  concurrency: number,
  s: { ttft: number[]; tpot: number[]; e2el: number[]; tps: number[] },
  tokensPerRequest: number,
  failed = 0,
): PerfRun {
  const e2elStats = stats(s.e2el);
  const windowS = (e2elStats.mean * s.e2el.length) / Math.max(1, concurrency) / 1000;
  return {
    concurrency,
    mode: 'closed',
    duration_s: windowS,
    requests: { ok: s.e2el.length, failed, errors_by_kind: failed > 0 ? { http_500: failed } : {} },
    ttft_ms: stats(s.ttft),
    tpot_ms: stats(s.tpot),
    itl_ms: stats(s.tpot),
    e2el_ms: e2elStats,
    output_tokens_per_s: { p50: stats(s.tps).p50, aggregate: windowS > 0 ? (tokensPerRequest * s.e2el.length) / windowS : 0 },
    vllm_compat: { mean_ttft_ms: stats(s.ttft).mean },
    samples: { ttft_ms: s.ttft, tpot_ms: s.tpot, e2el_ms: s.e2el, output_tokens_per_s: s.tps },
  };
}

export const SAMPLE_VERDICTS: readonly PerfVerdict[] = [
  { metric: 'ttft_p95_ms', measured: 2900, documented: '2–4 s', ceiling: 1200, status: 'pass', detail: 'p95 TTFT 2.9 s within 2–4 s' },
  { metric: 'output_tokens_per_s_p50', measured: 7.1, documented: '8–12', ceiling: 18.5, status: 'fail', detail: 'p50 7.1 tokens/s below 8' },
  { metric: 'max_users', measured: null, documented: '3–5', ceiling: null, status: 'skip', detail: 'no sweep ran' },
];

/** A perf RunResult over several load levels (no conformance part). */
export function perfResult(runs: readonly PerfRun[], verdicts: readonly PerfVerdict[] = SAMPLE_VERDICTS): RunResult {
  const { conformance: _none, ...base } = sampleResult();
  return {
    ...base,
    command: 'perf',
    perf: { profile: 'e5-2680', workload: { name: 'synthetic' }, runs: [...runs], verdicts: [...verdicts] },
  };
}
