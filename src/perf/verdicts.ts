/**
 * A profile's targets judged against what was measured: for each target the
 * measured figure, the documented one, the hardware's ceiling and a status.
 * Run-scope targets (TTFT, tokens/s, E2EL, error rate) are judged per load
 * level; capacity targets (max users) on the sweep. With repeated runs the
 * judged figure is the mean over runs, and a target whose confidence
 * interval straddles the threshold is a warning, not a pass. Pure.
 */
import { ceilingForMetric, type ProfileCeiling } from '../profiles/ceiling.ts';
import { formatThreshold, meetsThreshold } from '../profiles/threshold.ts';
import type { ProfileTarget, Threshold } from '../profiles/types.ts';
import type { PerfRun, PerfVerdict } from '../types.ts';
import { percentile, tInterval, type ConfidenceInterval } from './stats.ts';
import type { LevelOutcome, SweepResult } from './sweep.ts';

/** The figure a threshold's statistic picks out of a run, or null when the run has no data for it. */
export function runStatistic(run: PerfRun, metric: string, t: Threshold): number | null {
  if (metric === 'error_rate') {
    const total = run.requests.ok + run.requests.failed;
    return total === 0 ? null : run.requests.failed / total;
  }
  if (t.stat === 'count') return run.requests.ok;
  const samples = samplesOf(run, metric);
  if (samples !== null) {
    if (samples.length === 0) return null;
    switch (t.stat) {
      case 'p':
        return percentile(samples, t.percentile ?? 50);
      case 'avg':
        return samples.reduce((a, b) => a + b, 0) / samples.length;
      case 'min':
        return Math.min(...samples);
      case 'max':
        return Math.max(...samples);
      default:
        return percentile(samples, 50);
    }
  }
  // itl_ms keeps no per-request samples (it is pooled per chunk): use its summary.
  const d = metric === 'itl_ms' ? run.itl_ms : null;
  if (d === null || d.n === 0) return null;
  if (t.stat === 'avg') return d.mean;
  if (t.stat === 'min') return d.min;
  if (t.stat === 'max') return d.max;
  const p = t.percentile ?? 50;
  return p <= 50 ? d.p50 : p <= 90 ? d.p90 : p <= 95 ? d.p95 : d.p99;
}

function samplesOf(run: PerfRun, metric: string): readonly number[] | null {
  switch (metric) {
    case 'ttft_ms':
      return run.samples.ttft_ms;
    case 'tpot_ms':
      return run.samples.tpot_ms;
    case 'e2el_ms':
      return run.samples.e2el_ms;
    case 'output_tokens_per_s':
      return run.samples.output_tokens_per_s;
    default:
      return null;
  }
}

/** Judge one load level on every run-scope target (the sweep's evaluator). */
export function evaluateLevel(run: PerfRun, targets: readonly ProfileTarget[]): LevelOutcome & { readonly measured: Readonly<Record<string, number | null>> } {
  const failing: string[] = [];
  const measured: Record<string, number | null> = {};
  for (const t of targets) {
    if (t.scope !== 'run') continue;
    const v = runStatistic(run, t.metric, t.parsed);
    measured[t.id] = v;
    if (v === null || !meetsThreshold(t.parsed, v)) failing.push(t.id);
  }
  return { pass: failing.length === 0, failing, measured };
}

export interface JudgeInput {
  readonly targets: readonly ProfileTarget[];
  /** Every run (repeats included). */
  readonly runs: readonly PerfRun[];
  readonly ceiling: ProfileCeiling | null;
  readonly capacity?: SweepResult;
  /** Users the run-scope targets are judged at (default: the level closest to the documented users). */
  readonly judgeAt?: number;
  /** Prompt tokens a request must prefill (uncached), for the TTFT floor. */
  readonly uncachedPromptTokens?: number;
  readonly emulated: boolean;
  /**
   * Judge the mean over runs with a confidence interval (the user asked for
   * --repeat K). Otherwise runs at the judged level (a sweep's boundary
   * repeats) are pooled into one sample.
   */
  readonly confidence?: boolean;
}

/** Runs of one level as one: samples concatenated, counts added (ITL summary: the largest run's). */
export function poolRuns(runs: readonly PerfRun[]): PerfRun {
  const first = runs[0];
  if (first === undefined) throw new RangeError('poolRuns: no runs');
  if (runs.length === 1) return first;
  const cat = (f: (r: PerfRun) => readonly number[]): number[] => runs.flatMap((r) => [...f(r)]);
  const errors: Record<string, number> = {};
  for (const r of runs) for (const [k, n] of Object.entries(r.requests.errors_by_kind)) errors[k] = (errors[k] ?? 0) + n;
  const widest = runs.reduce((a, b) => (b.itl_ms.n > a.itl_ms.n ? b : a));
  return {
    ...first,
    requests: { ok: runs.reduce((n, r) => n + r.requests.ok, 0), failed: runs.reduce((n, r) => n + r.requests.failed, 0), errors_by_kind: errors },
    itl_ms: widest.itl_ms,
    samples: {
      ttft_ms: cat((r) => r.samples.ttft_ms),
      tpot_ms: cat((r) => r.samples.tpot_ms),
      e2el_ms: cat((r) => r.samples.e2el_ms),
      output_tokens_per_s: cat((r) => r.samples.output_tokens_per_s),
    },
  };
}

/** The load level run-scope targets are judged at: closest to the documented user count (ties: the higher). */
export function judgeLevel(runs: readonly PerfRun[], targets: readonly ProfileTarget[]): number | null {
  const levels = [...new Set(runs.map((r) => r.concurrency))].sort((a, b) => a - b);
  if (levels.length === 0) return null;
  const users = targets.find((t) => t.metric === 'max_users');
  const want = users?.documented_range?.[0] ?? users?.parsed.value;
  if (want === undefined) return levels[levels.length - 1] ?? null;
  let best = levels[0] as number;
  for (const n of levels) if (Math.abs(n - want) <= Math.abs(best - want)) best = n;
  return best;
}

/** Verdicts for every target of the profile. */
export function judgeTargets(input: JudgeInput): PerfVerdict[] {
  const at = input.judgeAt ?? judgeLevel(input.runs, input.targets);
  const levelRuns = input.runs.filter((r) => r.concurrency === at);
  const atRuns = input.confidence === true || levelRuns.length === 0 ? levelRuns : [poolRuns(levelRuns)];
  const label = input.emulated ? 'EMULATED: ' : '';
  const out: PerfVerdict[] = [];
  for (const t of input.targets) {
    const documented = t.documented ?? `${formatThreshold(t.parsed)} (claude-bench)`;
    const ceiling = input.ceiling === null ? null : ceilingForMetric(input.ceiling, t.metric, input.uncachedPromptTokens === undefined ? {} : { promptTokens: input.uncachedPromptTokens });
    const base = { metric: t.id, documented, ceiling, ...(input.emulated ? { emulated: true } : {}) };
    if (t.scope === 'capacity') {
      out.push({ ...base, ...judgeCapacity(t, input.runs, input.targets, input.capacity, label) });
      continue;
    }
    if (atRuns.length === 0) {
      out.push({ ...base, measured: null, status: 'skip', detail: `${label}no load level was run` });
      continue;
    }
    const values = atRuns.map((r) => runStatistic(r, t.metric, t.parsed)).filter((v): v is number => v !== null);
    if (values.length === 0) {
      out.push({ ...base, measured: null, status: 'fail', detail: `${label}no successful request at ${at} users to measure ${t.metric}` });
      continue;
    }
    const ci = tInterval(values);
    const measured = ci.mean;
    const meets = meetsThreshold(t.parsed, measured);
    const robust = values.length < 2 || (meetsThreshold(t.parsed, ci.low) && meetsThreshold(t.parsed, ci.high));
    let status: PerfVerdict['status'] = meets ? (robust ? 'pass' : 'warn') : 'fail';
    const pooled = input.confidence !== true && levelRuns.length > 1 ? ` (${levelRuns.length} runs pooled)` : '';
    let detail = `${label}${formatThreshold(t.parsed)} at ${at} users: ${fmt(measured)}${ciText(ci)}${pooled}`;
    if (meets && !robust) detail += ' — the confidence interval crosses the threshold';
    // Faster than physics allows: a cache or a buffered stream is answering, not the model.
    if (ceiling !== null && t.metric === 'output_tokens_per_s' && measured > ceiling) {
      status = 'warn';
      detail += ` — above the hardware ceiling ${fmt(ceiling)} tokens/s: a response cache or a measurement artefact?`;
    }
    if (ceiling !== null && t.metric === 'ttft_ms' && measured < ceiling && !input.emulated) {
      status = 'warn';
      detail += ` — below the prefill floor ${fmt(ceiling)} ms: prefix-cache hits or a response cache?`;
    }
    out.push({ ...base, measured, status, detail });
  }
  return out;
}

function judgeCapacity(
  t: ProfileTarget,
  runs: readonly PerfRun[],
  targets: readonly ProfileTarget[],
  capacity: SweepResult | undefined,
  label: string,
): Pick<PerfVerdict, 'measured' | 'status' | 'detail'> {
  if (t.metric !== 'max_users') return { measured: null, status: 'skip', detail: `${label}not judged by perf` };
  if (capacity !== undefined) {
    const measured = capacity.max_users ?? 0;
    const ok = meetsThreshold(t.parsed, measured);
    const why = capacity.first_failing_users === null
      ? `every level up to ${measured} met every target`
      : `first failing: ${capacity.first_failing_users} users (binding: ${capacity.binding_constraint ?? 'unknown'})`;
    return { measured, status: ok ? 'pass' : 'fail', detail: `${label}${formatThreshold(t.parsed)}: ${measured} users; ${why}` };
  }
  // No sweep: the largest level such that it and every level below met every run target.
  const levels = [...new Set(runs.map((r) => r.concurrency))].sort((a, b) => a - b);
  let lower = 0;
  let firstFail: number | null = null;
  for (const n of levels) {
    const pass = runs.filter((r) => r.concurrency === n).every((r) => evaluateLevel(r, targets).pass);
    if (!pass) {
      firstFail = n;
      break;
    }
    lower = n;
  }
  if (meetsThreshold(t.parsed, lower)) {
    return { measured: lower, status: 'pass', detail: `${label}${formatThreshold(t.parsed)}: at least ${lower} users (levels run: ${levels.join(', ')})` };
  }
  if (firstFail !== null) {
    return { measured: lower, status: 'fail', detail: `${label}${formatThreshold(t.parsed)}: targets already missed at ${firstFail} users` };
  }
  return {
    measured: lower,
    status: 'skip',
    detail: `${label}${formatThreshold(t.parsed)}: every level run (${levels.join(', ')}) met the targets, none high enough to judge; use --concurrency sweep`,
  };
}

function ciText(ci: ConfidenceInterval): string {
  return ci.n < 2 ? '' : ` (95% CI ${fmt(ci.low)}–${fmt(ci.high)}, ${ci.n} runs)`;
}

/** A figure with sensible precision. */
export function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
