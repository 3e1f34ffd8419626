import { describe as group, expect, it } from 'vitest';
import { describe, percentile, tInterval, tQuantile } from '../../../src/perf/stats.ts';

group('percentiles (numpy linear)', () => {
  it('interpolates between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBe(46); // rank 3.6 → 40 + 0.6·10
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });

  it('summarises with population std and n', () => {
    expect(describe([2, 4, 4, 4, 5, 5, 7, 9])).toMatchObject({ n: 8, mean: 5, std: 2, min: 2, max: 9, p50: 4.5 });
    expect(describe([]).n).toBe(0);
    expect(describe([1, Number.NaN, 3]).n).toBe(2);
  });
});

group('Student-t interval', () => {
  it('matches tabulated quantiles', () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.7764, 3);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.0423, 3);
    expect(tQuantile(0.025, 4)).toBeCloseTo(-2.7764, 3);
  });

  it('gives mean ± t·s/√n, and collapses for one value', () => {
    // values 10, 12, 14: mean 12, s = 2, n = 3, t(0.975, 2) = 4.3027 → half width 4.3027·2/√3
    const ci = tInterval([10, 12, 14]);
    expect(ci.mean).toBe(12);
    expect(ci.high - ci.mean).toBeCloseTo((4.302653 * 2) / Math.sqrt(3), 3);
    expect(tInterval([5])).toMatchObject({ n: 1, low: 5, high: 5 });
  });
});
