import { describe, expect, it } from 'vitest';
import { cdfPoints } from '../../../src/report/html/charts.ts';
import { binValues, formatTick, niceTicks, renderHistogram, renderXYChart, thin } from '../../../src/report/html/svg.ts';

describe('chart helpers', () => {
  it('picks nice ticks covering the range', () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(1, 8, 6, true)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0.2, 0.9, 5)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(5, 5)).toEqual([5, 5.1, 5.2, 5.3, 5.4, 5.5]); // a flat series still gets a scale
    expect(formatTick(0.8)).toBe('0.8');
    expect(formatTick(6000)).toBe('6k');
  });

  it('bins values and builds an empirical CDF ending at 1', () => {
    expect(binValues([1, 2, 2, 3, 10], 3).counts).toEqual([4, 0, 1]);
    expect(binValues([], 3)).toEqual({ edges: [], counts: [] });
    const cdf = cdfPoints([3, 1, 2, 4]);
    expect(cdf[0]).toEqual([1, 0]);
    expect(cdf.at(-1)).toEqual([4, 1]);
    expect(cdfPoints(Array.from({ length: 10_000 }, (_, i) => i)).length).toBeLessThanOrEqual(202);
  });

  it('thins long series but keeps the last point', () => {
    const pts = Array.from({ length: 10 }, (_, i) => i);
    expect(thin(pts, 4)).toEqual([0, 2, 5, 7, 9]);
    expect(thin(pts, 20)).toBe(pts);
  });

  it('renders accessible SVG with escaped labels and a legend only for several series', () => {
    const one = renderXYChart({ title: 'T <b>', xLabel: 'x', yLabel: 'y', series: [{ name: 'a<script>', points: [[1, 2], [2, 3]], style: 'line' }] });
    expect(one).toMatch(/^<svg class="chart" role="img" aria-label="T &lt;b&gt;: y against x"/);
    expect(one).not.toContain('<b>');
    expect(one).not.toContain('class="legend"');
    expect(one).toContain('<title>a&lt;script&gt;</title>');
    const two = renderXYChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[1, 2]], style: 'points' }, { name: 'b', points: [[1, 3]], style: 'step' }] });
    expect(two).toContain('class="legend"');
    expect(renderXYChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain('no samples');
    expect(renderHistogram({ title: 'h', xLabel: 'ms', values: [1, 2, 3, 4, 5] }).match(/<rect /g)?.length).toBe(5);
  });
});
