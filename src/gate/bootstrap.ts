/**
 * Run-to-run noise from the per-request samples: percentile-bootstrap
 * confidence intervals with a seeded RNG, so the same two results always
 * give the same verdict. Pure.
 *
 * A resample of a sorted sample is represented by how often each element
 * was drawn; an order statistic of the resample is then a walk over those
 * counts: O(n) per resample instead of a sort.
 */

/** A seeded PRNG (mulberry32): uniform in [0, 1). Small, fast, good enough for resampling. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ascending numeric copy without non-finite values. */
export function sortedFinite(values: readonly number[]): Float64Array {
  return Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
}

/** Linear-interpolation percentile (numpy "linear") of an ascending sample; NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

/** Arithmetic mean; NaN when empty. */
export function meanOf(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

/** A statistic of a sample, computed either on the sample or on a resample given as draw counts. */
export type SampleStatistic = { readonly kind: 'percentile'; readonly p: number } | { readonly kind: 'mean' };

/** The statistic of the sample itself. */
export function statisticOf(sorted: Float64Array, stat: SampleStatistic): number {
  return stat.kind === 'mean' ? meanOf(sorted) : percentileOfSorted(sorted, stat.p);
}

/** Draw a resample of size n as counts per index. `counts` is reused between calls. */
function drawCounts(counts: Uint32Array, rng: () => number): void {
  const n = counts.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[Math.floor(rng() * n)]! += 1;
}

/** The k-th (0-based) smallest element of the resample described by `counts`. */
function orderStatistic(sorted: Float64Array, counts: Uint32Array, k: number): number {
  let cumulative = 0;
  for (let j = 0; j < counts.length; j++) {
    cumulative += counts[j] as number;
    if (cumulative > k) return sorted[j] as number;
  }
  return sorted[sorted.length - 1] as number;
}

function resampledStatistic(sorted: Float64Array, counts: Uint32Array, stat: SampleStatistic): number {
  const n = sorted.length;
  if (stat.kind === 'mean') {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += (counts[j] as number) * (sorted[j] as number);
    return sum / n;
  }
  const rank = (stat.p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const a = orderStatistic(sorted, counts, lo);
  if (rank === lo) return a;
  const b = orderStatistic(sorted, counts, Math.min(n - 1, lo + 1));
  return a + (b - a) * (rank - lo);
}

/**
 * `resamples` bootstrap replicates of a statistic of one sample (sorted,
 * non-empty). Deterministic for a given rng state.
 */
export function bootstrapReplicates(sorted: Float64Array, stat: SampleStatistic, resamples: number, rng: () => number): Float64Array {
  const out = new Float64Array(resamples);
  const counts = new Uint32Array(sorted.length);
  for (let b = 0; b < resamples; b++) {
    drawCounts(counts, rng);
    out[b] = resampledStatistic(sorted, counts, stat);
  }
  return out;
}

/**
 * Replicates of a proportion k/n: each resample draws n Bernoulli(k/n)
 * outcomes, as resampling the ok/failed list would.
 */
export function bootstrapProportion(k: number, n: number, resamples: number, rng: () => number): Float64Array {
  const out = new Float64Array(resamples);
  const p = n > 0 ? k / n : 0;
  for (let b = 0; b < resamples; b++) {
    let hits = 0;
    for (let i = 0; i < n; i++) if (rng() < p) hits += 1;
    out[b] = n > 0 ? hits / n : 0;
  }
  return out;
}

/** Two-sided percentile interval of replicates at `confidence` (e.g. 0.95 → 2.5 % and 97.5 %). */
export function percentileInterval(replicates: Float64Array, confidence: number): [number, number] {
  const sorted = Float64Array.from(replicates).sort();
  const alpha = (1 - confidence) / 2;
  return [percentileOfSorted(sorted, alpha * 100), percentileOfSorted(sorted, (1 - alpha) * 100)];
}

/** Element-wise a − b of two replicate arrays of equal length. */
export function differenceOf(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) - (b[i] as number);
  return out;
}
