/**
 * Descriptive statistics the way the anchors compute them (numpy defaults):
 * linear-interpolation percentiles, population standard deviation. Pure.
 */
import type { DistributionStats } from '../types.ts';

/**
 * Percentile `p` (0–100) of ascending-sorted values by linear interpolation
 * between closest ranks (numpy `percentile`, method "linear"). NaN when empty.
 */
export function percentileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (n === 1) return sorted[0] as number;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  const frac = rank - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * frac;
}

/** Percentile of unsorted values (copies and sorts). */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(sortAsc(values), p);
}

/** Ascending copy. */
export function sortAsc(values: readonly number[]): number[] {
  // Typed-array sort is numeric (and faster than a comparator on a plain array).
  return Array.from(Float64Array.from(values).sort());
}

/** Arithmetic mean; NaN when empty. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Population standard deviation (numpy `std`, ddof 0); NaN when empty. */
export function stdPopulation(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const m = mean(values);
  let acc = 0;
  for (const v of values) acc += (v - m) * (v - m);
  return Math.sqrt(acc / values.length);
}

/** Sample standard deviation (ddof 1); NaN below two values. */
export function stdSample(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  let acc = 0;
  for (const v of values) acc += (v - m) * (v - m);
  return Math.sqrt(acc / (values.length - 1));
}

/**
 * n, mean, std, min, max and p50/p90/p95/p99 of a sample. An empty sample
 * gives n = 0 and zeros elsewhere (JSON has no NaN; n says there is nothing).
 */
export function describe(values: readonly number[]): DistributionStats {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return { n: 0, mean: 0, std: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0 };
  const s = sortAsc(finite);
  return {
    n,
    mean: mean(s),
    std: stdPopulation(s),
    min: s[0] as number,
    max: s[n - 1] as number,
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p95: percentileSorted(s, 95),
    p99: percentileSorted(s, 99),
  };
}

/** A two-sided confidence interval for a statistic across repeated runs. */
export interface ConfidenceInterval {
  readonly n: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
  readonly method: 't';
}

/**
 * Student-t interval for the mean of K repeated measurements (one value per
 * run: runs are the independent units, requests within a run are not).
 * With one value the interval collapses to that value.
 */
export function tInterval(values: readonly number[], level = 0.95): ConfidenceInterval {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  const m = n === 0 ? 0 : mean(finite);
  if (n < 2) return { n, mean: m, low: m, high: m, level, method: 't' };
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (stdSample(finite) / Math.sqrt(n));
  return { n, mean: m, low: m - half, high: m + half, level, method: 't' };
}

/**
 * Quantile of Student's t distribution with `df` degrees of freedom, by
 * bisection on the regularised incomplete beta function (accurate to ~1e-9,
 * enough for interval half-widths).
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  if (p === 0.5) return 0;
  const target = p > 0.5 ? p : 1 - p;
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < target) lo = mid;
    else hi = mid;
  }
  const q = (lo + hi) / 2;
  return p > 0.5 ? q : -q;
}

/** CDF of Student's t distribution with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Regularised incomplete beta I_x(a, b) by its continued fraction (Numerical Recipes §6.4, re-derived). */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7). */
function lnGamma(z: number): number {
  const coef = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  const x = z - 1;
  let a = coef[0] as number;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += (coef[i] as number) / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
