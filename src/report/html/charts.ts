/**
 * The perf charts of the report, from the runs' per-request samples: TTFT
 * distribution (histogram and CDF), tokens/s and TTFT against concurrency,
 * and latency over the run. Pure: RunResults in, SVG strings out.
 */
import type { PerfRun, RunResult } from '../../types.ts';
import { runLetter } from '../format.ts';
import { PALETTE, renderHistogram, renderXYChart, type Point, type Series } from './svg.ts';

/** Most CDF steps drawn per series (the curve is sampled on a quantile grid beyond this). */
const CDF_POINTS = 200;
/** Most histogram panels drawn. */
const MAX_HISTOGRAMS = 6;

interface Labeled {
  readonly result: RunResult;
  readonly label: string;
}

function label(results: readonly RunResult[]): Labeled[] {
  return results.map((result, i) => ({ result, label: results.length > 1 ? `${runLetter(i)}: ` : '' }));
}

/** Empirical CDF as step points, at most CDF_POINTS of them. */
export function cdfPoints(values: readonly number[]): Point[] {
  const sorted = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  const n = sorted.length;
  if (n === 0) return [];
  const points: Point[] = [[sorted[0] as number, 0]];
  const step = Math.max(1, Math.floor(n / CDF_POINTS));
  for (let i = 0; i < n; i += step) points.push([sorted[i] as number, (i + 1) / n]);
  points.push([sorted[n - 1] as number, 1]);
  return points;
}

function perfRuns(r: RunResult): readonly PerfRun[] {
  return r.perf?.runs ?? [];
}

function ttftHistograms(items: readonly Labeled[]): string[] {
  const out: string[] = [];
  for (const [i, { result, label: l }] of items.entries()) {
    for (const run of perfRuns(result)) {
      if (out.length >= MAX_HISTOGRAMS) return out;
      out.push(
        renderHistogram({
          title: `${l}TTFT, ${run.concurrency} user(s) (n=${run.samples.ttft_ms.length})`,
          xLabel: 'TTFT (ms)',
          values: run.samples.ttft_ms,
          color: PALETTE[i % PALETTE.length] ?? '#0072B2',
        }),
      );
    }
  }
  return out;
}

function ttftCdf(items: readonly Labeled[]): string {
  const series: Series[] = [];
  for (const { result, label: l } of items) {
    for (const run of perfRuns(result)) series.push({ name: `${l}${run.concurrency} user(s)`, points: cdfPoints(run.samples.ttft_ms), style: 'step' });
  }
  return renderXYChart({ title: 'TTFT distribution (CDF)', xLabel: 'TTFT (ms)', yLabel: 'share of requests', series: series.slice(0, 8), yMax: 1 });
}

function againstConcurrency(items: readonly Labeled[]): string[] {
  const tps: Series[] = [];
  const ttft: Series[] = [];
  items.forEach(({ result, label: l }, i) => {
    const runs = [...perfRuns(result)].sort((a, b) => a.concurrency - b.concurrency);
    const color = PALETTE[i % PALETTE.length];
    const base = { style: 'line' as const, ...(color ? { color } : {}) };
    tps.push({ ...base, name: `${l}per stream p50`, points: runs.map((r) => [r.concurrency, r.output_tokens_per_s.p50]) });
    tps.push({ ...base, name: `${l}aggregate`, points: runs.map((r) => [r.concurrency, r.output_tokens_per_s.aggregate]), dashed: true });
    ttft.push({ ...base, name: `${l}TTFT p50`, points: runs.map((r) => [r.concurrency, r.ttft_ms.p50]) });
    ttft.push({ ...base, name: `${l}TTFT p95`, points: runs.map((r) => [r.concurrency, r.ttft_ms.p95]), dashed: true });
  });
  return [
    renderXYChart({ title: 'Output tokens/s against concurrency', xLabel: 'concurrent users', yLabel: 'tokens/s', series: tps, xIntegers: true }),
    renderXYChart({ title: 'TTFT against concurrency', xLabel: 'concurrent users', yLabel: 'TTFT (ms)', series: ttft, xIntegers: true }),
  ];
}

/** E2EL and TTFT of each request in the order measured, load levels one after another. */
function overTheRun(item: Labeled): string {
  const e2el: Point[] = [];
  const ttft: Point[] = [];
  const rules: { x: number; label: string }[] = [];
  let offset = 0;
  for (const run of perfRuns(item.result)) {
    rules.push({ x: offset + 1, label: `${run.concurrency}u` });
    run.samples.e2el_ms.forEach((v, j) => e2el.push([offset + j + 1, v]));
    run.samples.ttft_ms.forEach((v, j) => ttft.push([offset + j + 1, v]));
    offset += Math.max(run.samples.e2el_ms.length, run.samples.ttft_ms.length);
  }
  return renderXYChart({
    title: `${item.label}Latency over the run`,
    xLabel: 'request # (in order measured)',
    yLabel: 'ms',
    series: [
      { name: 'E2E latency', points: e2el, style: 'points' },
      { name: 'TTFT', points: ttft, style: 'points' },
    ],
    xIntegers: true,
    rules: rules.length > 1 ? rules : [],
  });
}

/** Every chart for the given runs, grouped; empty when no run has perf samples. */
export function renderPerfCharts(results: readonly RunResult[]): { distribution: string[]; concurrency: string[]; timeline: string[] } {
  const items = label(results).filter((x) => perfRuns(x.result).length > 0);
  if (items.length === 0) return { distribution: [], concurrency: [], timeline: [] };
  return {
    distribution: [ttftCdf(items), ...ttftHistograms(items)],
    concurrency: againstConcurrency(items),
    timeline: items.map(overTheRun),
  };
}
