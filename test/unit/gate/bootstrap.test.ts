import { describe, expect, it } from 'vitest';
import { bootstrapProportion, bootstrapReplicates, createRng, percentileInterval, percentileOfSorted, sortedFinite } from '../../../src/gate/bootstrap.ts';
import { seeded } from '../../support/perf-sample.ts';

describe('bootstrap', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const sample = sortedFinite(Array.from({ length: 50 }, (_, i) => (i * 37) % 101));
    const a = bootstrapReplicates(sample, { kind: 'percentile', p: 95 }, 300, createRng(1));
    const b = bootstrapReplicates(sample, { kind: 'percentile', p: 95 }, 300, createRng(1));
    const c = bootstrapReplicates(sample, { kind: 'percentile', p: 95 }, 300, createRng(2));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('computes a resample percentile from draw counts exactly as sorting the resample would', () => {
    // Replay the same RNG draws by hand: a resample is n indices into the sorted sample.
    const sample = sortedFinite([5, 1, 9, 3, 7, 2, 8]);
    const n = sample.length;
    const replicates = bootstrapReplicates(sample, { kind: 'percentile', p: 90 }, 20, createRng(42));
    const rng = createRng(42);
    for (let b = 0; b < 20; b++) {
      const resample = Float64Array.from({ length: n }, () => sample[Math.floor(rng() * n)] as number).sort();
      expect(replicates[b]).toBeCloseTo(percentileOfSorted(resample, 90), 12);
    }
  });

  it('gives an interval that covers the true median most of the time', () => {
    const rnd = seeded(9);
    let covered = 0;
    const trials = 40;
    for (let t = 0; t < trials; t++) {
      const sample = sortedFinite(Array.from({ length: 60 }, () => 100 + rnd() * 20)); // true median 110
      const ci = percentileInterval(bootstrapReplicates(sample, { kind: 'percentile', p: 50 }, 400, createRng(t)), 0.95);
      if (ci[0] <= 110 && 110 <= ci[1]) covered += 1;
    }
    expect(covered).toBeGreaterThanOrEqual(trials * 0.8);
  });

  it('resamples a proportion around k/n', () => {
    const reps = bootstrapProportion(10, 100, 500, createRng(3));
    const ci = percentileInterval(reps, 0.95);
    expect(ci[0]).toBeGreaterThan(0.02);
    expect(ci[0]).toBeLessThan(0.1);
    expect(ci[1]).toBeGreaterThan(0.1);
    expect(ci[1]).toBeLessThan(0.2);
    expect(Array.from(bootstrapProportion(0, 50, 10, createRng(3)))).toEqual(new Array(10).fill(0));
  });
});
