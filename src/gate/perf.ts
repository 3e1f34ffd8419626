/**
 * Perf part of the gate. Runs are matched by concurrency; each threshold
 * expression is judged on the per-request samples: a change counts only when
 * the bootstrap interval of the difference lies wholly beyond the allowed
 * change, so one unlucky mean never fails a build. Pure and deterministic.
 */
import type { PerfResult, PerfRun, PerfSamples } from '../types.ts';
import {
  bootstrapProportion,
  bootstrapReplicates,
  createRng,
  differenceOf,
  meanOf,
  percentileInterval,
  sortedFinite,
  statisticOf,
  type SampleStatistic,
} from './bootstrap.ts';
import { GATE_METRICS } from './thresholds.ts';
import type { GateMetric, MetricComparison, MetricStatus, NoiseOptions, PerfComparison, ThresholdExpression, Thresholds } from './types.ts';

/** Where a metric's samples sit in PerfSamples. */
const SAMPLE_KEY: Readonly<Partial<Record<GateMetric, keyof PerfSamples>>> = {
  ttft_ms: 'ttft_ms',
  tpot_ms: 'tpot_ms',
  e2el_ms: 'e2el_ms',
  output_tokens_per_s: 'output_tokens_per_s',
};

/** A statistic's point value and its bootstrap replicates on one side. */
interface Side {
  readonly value: number;
  readonly n: number;
  readonly replicates: Float64Array;
}

type SideOrSkip = Side | { readonly skip: string };

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 1 ? v.toFixed(2).replace(/\.?0+$/, '') : v.toPrecision(2);
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : '−'}${fmt(Math.abs(v))}`;
}

/** FNV-1a: a per-comparison seed, so each verdict is reproducible on its own, whatever else is compared. */
function hashSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function statLabel(e: ThresholdExpression): string {
  const s = e.statistic;
  return s.kind === 'percentile' ? (s.p === 50 ? 'p50' : `p${s.p}`) : s.kind === 'mean' ? 'mean' : s.kind === 'value' ? 'aggregate' : 'rate';
}

/** Point value and replicates of the expression's statistic on one run. */
function side(run: PerfRun, metric: GateMetric, e: ThresholdExpression, noise: NoiseOptions, rng: () => number): SideOrSkip {
  const s = e.statistic;
  if (s.kind === 'rate') {
    const n = run.requests.ok + run.requests.failed;
    if (n < noise.minSamples) return { skip: `${n} request(s) sent: too few to judge the error rate` };
    return { value: run.requests.failed / n, n, replicates: bootstrapProportion(run.requests.failed, n, noise.resamples, rng) };
  }
  if (s.kind === 'value') {
    // No per-request figure exists for aggregate throughput. In a closed loop
    // it is concurrency × tokens / mean E2EL, so its relative noise is taken
    // from the bootstrap of mean E2EL.
    const e2el = sortedFinite(run.samples.e2el_ms);
    if (e2el.length < noise.minSamples) return { skip: `${e2el.length} E2EL sample(s): too few to judge aggregate throughput` };
    const value = run.output_tokens_per_s.aggregate;
    const meanE2el = meanOf(e2el);
    const means = bootstrapReplicates(e2el, { kind: 'mean' }, noise.resamples, rng);
    const replicates = means.map((m) => (m > 0 ? (value * meanE2el) / m : value));
    return { value, n: e2el.length, replicates };
  }
  const key = SAMPLE_KEY[metric];
  if (key === undefined) return { skip: `${metric} has no per-request samples` };
  const sorted = sortedFinite(run.samples[key]);
  if (sorted.length < noise.minSamples) return { skip: `${sorted.length} ${metric} sample(s): too few to tell a change from noise (need ${noise.minSamples})` };
  const stat: SampleStatistic = s;
  return { value: statisticOf(sorted, stat), n: sorted.length, replicates: bootstrapReplicates(sorted, stat, noise.resamples, rng) };
}

/** Is `x` on the wrong side of `bound` for the operator (the expression does not hold)? */
function violates(op: ThresholdExpression['op'], x: number, bound: number): boolean {
  switch (op) {
    case '<':
      return x >= bound;
    case '<=':
      return x > bound;
    case '>':
      return x <= bound;
    case '>=':
      return x < bound;
  }
}

/** Is the whole interval on the wrong side of `bound`? */
function intervalViolates(op: ThresholdExpression['op'], ci: readonly [number, number], bound: number): boolean {
  return op === '<' || op === '<=' ? violates(op, ci[0], bound) : violates(op, ci[1], bound);
}

/** Judge one expression at one concurrency. */
export function compareMetric(
  concurrency: number,
  metric: GateMetric,
  e: ThresholdExpression,
  baseline: PerfRun,
  current: PerfRun,
  noise: NoiseOptions,
): MetricComparison {
  const rng = createRng(hashSeed(noise.seed, `${concurrency}|${metric}|${e.source}`));
  const b = side(baseline, metric, e, noise, rng);
  const c = side(current, metric, e, noise, rng);
  const base = {
    concurrency,
    metric,
    expression: e.source,
    statistic: statLabel(e),
    n: { baseline: 'skip' in b ? 0 : b.n, current: 'skip' in c ? 0 : c.n },
  };
  const skipRow = (reason: string): MetricComparison => ({
    ...base,
    baseline: 'skip' in b ? null : b.value,
    current: 'skip' in c ? null : c.value,
    delta: null,
    delta_fraction: null,
    ci: null,
    bound: null,
    status: 'skip',
    reason,
  });
  if ('skip' in c) return skipRow(c.skip);
  if (e.mode === 'relative' && 'skip' in b) return skipRow(`baseline: ${b.skip}`);
  const conf = `${Math.round(noise.confidence * 100)}% CI`;
  const label = statLabel(e);
  const better = GATE_METRICS[metric].better;

  if (e.mode === 'absolute') {
    const ci = percentileInterval(c.replicates, noise.confidence);
    const pointBad = violates(e.op, c.value, e.amount);
    const beyond = intervalViolates(e.op, ci, e.amount);
    const status: MetricStatus = beyond ? 'fail' : pointBad ? 'noise' : 'pass';
    const bv = 'skip' in b ? null : b.value;
    const reason = beyond
      ? `${label} ${fmt(c.value)} breaks ${e.source}; ${conf} [${fmt(ci[0])}, ${fmt(ci[1])}] is wholly past ${fmt(e.amount)}`
      : pointBad
        ? `${label} ${fmt(c.value)} breaks ${e.source}, but the ${conf} [${fmt(ci[0])}, ${fmt(ci[1])}] reaches ${fmt(e.amount)}: within noise`
        : `${label} ${fmt(c.value)} meets ${e.source}`;
    return { ...base, baseline: bv, current: c.value, delta: bv === null ? null : c.value - bv, delta_fraction: bv ? (c.value - bv) / bv : null, ci, bound: e.amount, status, reason };
  }

  const b2 = b as Side;
  const delta = c.value - b2.value;
  const fraction = b2.value !== 0 ? delta / b2.value : null;
  const allowed = e.percent ? (e.amount / 100) * Math.abs(b2.value) : e.amount;
  const ci = percentileInterval(differenceOf(c.replicates, b2.replicates), noise.confidence);
  const pointBad = violates(e.op, delta, allowed);
  const beyond = intervalViolates(e.op, ci, allowed);
  const improved = better === 'lower' ? ci[1] < 0 : ci[0] > 0;
  const status: MetricStatus = beyond ? 'fail' : pointBad ? 'noise' : improved ? 'improved' : 'pass';
  const change = `${label} ${fmt(b2.value)} → ${fmt(c.value)} (${signed(delta)}${fraction === null ? '' : `, ${signed(fraction * 100)}%`})`;
  const ciText = `${conf} of the change [${signed(ci[0])}, ${signed(ci[1])}]`;
  const allowedText = `allowed ${e.source.replace(/^.*?(<=|<|>=|>)\s*/, '')} (${signed(allowed)})`;
  const reason = beyond
    ? `${change}; ${ciText} lies wholly past the ${allowedText}`
    : pointBad
      ? `${change} is past the ${allowedText}, but the ${ciText} is not wholly past it: within run-to-run noise`
      : improved
        ? `${change}; ${ciText}: better`
        : `${change}; within the ${allowedText}`;
  return { ...base, baseline: b2.value, current: c.value, delta, delta_fraction: fraction, ci, bound: allowed, status, reason };
}

/** Pair runs by concurrency (in order, when one level appears more than once). */
function pairRuns(baseline: readonly PerfRun[], current: readonly PerfRun[]): { pairs: [PerfRun, PerfRun][]; onlyBaseline: number[]; onlyCurrent: number[] } {
  const remaining = [...current];
  const pairs: [PerfRun, PerfRun][] = [];
  const onlyBaseline: number[] = [];
  for (const b of baseline) {
    const i = remaining.findIndex((c) => c.concurrency === b.concurrency);
    if (i < 0) onlyBaseline.push(b.concurrency);
    else pairs.push([b, remaining.splice(i, 1)[0] as PerfRun]);
  }
  return { pairs, onlyBaseline, onlyCurrent: remaining.map((c) => c.concurrency) };
}

/** Compare the perf parts of two runs under `thresholds`. */
export function comparePerf(baseline: PerfResult, current: PerfResult, thresholds: Thresholds, noise: NoiseOptions): PerfComparison {
  const { pairs, onlyBaseline, onlyCurrent } = pairRuns(baseline.runs, current.runs);
  const metrics: MetricComparison[] = [];
  for (const [b, c] of pairs) {
    for (const metric of Object.keys(GATE_METRICS) as GateMetric[]) {
      for (const e of thresholds[metric] ?? []) metrics.push(compareMetric(b.concurrency, metric, e, b, c, noise));
    }
  }
  return { metrics, unmatched: { baseline: onlyBaseline, current: onlyCurrent } };
}
