/**
 * Types of the regression gate. The gate reads two RunResults (baseline and
 * current) and nothing else; its outcome is a GateResult that the console
 * and HTML renderers print.
 */
import type { CheckStatus, Severity } from '../types.ts';

/** Metrics the gate knows, keyed as in threshold files (units in the name, as k6 and design.md do). */
export type GateMetric = 'ttft_ms' | 'tpot_ms' | 'e2el_ms' | 'output_tokens_per_s' | 'throughput_tokens_per_s' | 'error_rate';

/** Which statistic of a metric an expression bounds. */
export type GateStatistic =
  | { readonly kind: 'percentile'; readonly p: number }
  | { readonly kind: 'mean' }
  /** The run's single figure (aggregate throughput). */
  | { readonly kind: 'value' }
  /** Failed / sent requests. */
  | { readonly kind: 'rate' };

/** One parsed threshold expression, e.g. `p(95)<+10%`. */
export interface ThresholdExpression {
  /** The expression as written. */
  readonly source: string;
  readonly statistic: GateStatistic;
  readonly op: '<' | '<=' | '>' | '>=';
  /**
   * `relative`: the bound is a change from the baseline's statistic
   * (`+10%` of it, or `+50` in the metric's unit); `absolute`: a fixed limit
   * on the current run's statistic, as in k6 (`p(95)<4000`).
   */
  readonly mode: 'relative' | 'absolute';
  /** Signed amount: the change (relative) or the limit (absolute). */
  readonly amount: number;
  /** True when `amount` is a percentage of the baseline's statistic. */
  readonly percent: boolean;
}

/** Parsed thresholds, by metric. A metric with no expression is not compared. */
export type Thresholds = Readonly<Partial<Record<GateMetric, readonly ThresholdExpression[]>>>;

/** How the run-to-run noise is estimated. */
export interface NoiseOptions {
  /** Confidence level of the bootstrap interval, e.g. 0.95. */
  readonly confidence: number;
  /** Bootstrap resamples. */
  readonly resamples: number;
  /** Seed of the deterministic RNG: the same inputs always give the same verdict. */
  readonly seed: number;
  /** Below this many per-request samples on either side a metric is skipped, not judged. */
  readonly minSamples: number;
}

/** Everything evaluateGate needs besides the two runs. */
export interface GateConfig {
  readonly thresholds: Thresholds;
  readonly noise: NoiseOptions;
}

/** How a check moved from baseline to current. */
export type CheckChange = 'same' | 'regression' | 'fixed' | 'changed' | 'new' | 'removed';

export interface CheckComparison {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly baseline: CheckStatus | null;
  readonly current: CheckStatus | null;
  readonly change: CheckChange;
}

export interface ConformanceComparison {
  /** Every check of either run, in the current run's order, then removed ones. */
  readonly checks: readonly CheckComparison[];
  readonly regressions: readonly string[];
  readonly fixed: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Outcome of one expression at one concurrency: `fail` only when the change
 * is beyond the tolerance AND beyond the noise (the whole confidence interval
 * is past the bound); `noise` when the point estimate is past the bound but
 * the interval is not; `improved` when the interval lies wholly on the
 * better side of zero.
 */
export type MetricStatus = 'pass' | 'improved' | 'noise' | 'fail' | 'skip';

export interface MetricComparison {
  readonly concurrency: number;
  readonly metric: GateMetric;
  readonly expression: string;
  /** e.g. "p95", "mean", "aggregate", "rate". */
  readonly statistic: string;
  readonly baseline: number | null;
  readonly current: number | null;
  /** current − baseline. */
  readonly delta: number | null;
  /** (current − baseline) / baseline; null when the baseline is 0. */
  readonly delta_fraction: number | null;
  /**
   * Bootstrap interval of the difference current − baseline (relative
   * expressions) or of the current statistic (absolute ones).
   */
  readonly ci: readonly [number, number] | null;
  /** The limit the interval was held against, in the same terms as `ci`. */
  readonly bound: number | null;
  readonly n: { readonly baseline: number; readonly current: number };
  readonly status: MetricStatus;
  /** One line saying why. */
  readonly reason: string;
}

export interface PerfComparison {
  readonly metrics: readonly MetricComparison[];
  /** Concurrency levels present on one side only (listed, not judged). */
  readonly unmatched: { readonly baseline: readonly number[]; readonly current: readonly number[] };
}

export interface FingerprintComparison {
  /** True when nothing that matters differs. */
  readonly same: boolean;
  /** One line per difference, e.g. "cpu_model: AMD EPYC → Intel Xeon E5-2680". */
  readonly differences: readonly string[];
}

/** A short description of a compared run. */
export interface GateRunRef {
  readonly label: string;
  readonly started_at: string;
  readonly target: string;
  readonly emulated: boolean;
}

/** What the gate decided. `passed` is false when anything regressed. */
export interface GateResult {
  readonly passed: boolean;
  /** Conformance regressions plus perf expressions with status `fail`. */
  readonly regressions: number;
  readonly baseline: GateRunRef;
  readonly current: GateRunRef;
  readonly conformance: ConformanceComparison | null;
  readonly perf: PerfComparison | null;
  readonly fingerprint: FingerprintComparison;
  /** Facts worth knowing that are not regressions (partial run, parts not compared, …). */
  readonly notes: readonly string[];
  /** How noise was judged, for the record. */
  readonly method: string;
}
