/**
 * Small SVG chart primitives, rendered to strings at report time: no chart
 * library, no script, nothing fetched. Every label passes through escapeHtml.
 */
import { escapeHtml } from '../escape.ts';
import { formatNumber } from '../format.ts';

/** Okabe–Ito palette: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'] as const;

export type Point = readonly [number, number];

export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
  /** line: joined points; step: a step function (CDF); points: markers only. */
  readonly style: 'line' | 'step' | 'points';
  readonly color?: string;
  readonly dashed?: boolean;
}

export interface XYChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
  /** Start the y axis at 0 (default true). */
  readonly yFromZero?: boolean;
  /** Only integer ticks on x (concurrency, request #). */
  readonly xIntegers?: boolean;
  /** Vertical rules with a label, e.g. where a new load level starts. */
  readonly rules?: readonly { readonly x: number; readonly label: string }[];
  /** Fixed y range top, e.g. 1 for a CDF. */
  readonly yMax?: number;
}

const MARGIN = { top: 30, right: 16, bottom: 44, left: 62 } as const;

/** "Nice" tick values covering [min, max]: steps of 1, 2 or 5 × 10^k. */
export function niceTicks(min: number, max: number, target = 5, integers = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max <= min) max = min + (min === 0 ? 1 : Math.abs(min) * 0.1);
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  if (integers) step = Math.max(1, Math.round(step));
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = start, i = 0; v <= max + step * 1e-9 && i < 50; v += step, i++) ticks.push(Number(v.toPrecision(12)));
  if ((ticks.at(-1) ?? min) < max) ticks.push(Number(((ticks.at(-1) ?? min) + step).toPrecision(12)));
  return ticks;
}

/** Tick labels without trailing zeros: 0.8, 80, 2, 6k. */
export function formatTick(v: number): string {
  const trim = (x: number): string => String(Number(x.toPrecision(6)));
  return Math.abs(v) >= 1000 ? `${trim(v / 1000)}k` : trim(v);
}

const n2 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Keep at most `max` points, evenly spaced (charts of thousands of requests stay small). */
export function thin<T>(points: readonly T[], max: number): readonly T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  const step = points.length / max;
  for (let i = 0; i < max; i++) out.push(points[Math.floor(i * step)] as T);
  out.push(points[points.length - 1] as T);
  return out;
}

/** A line/step/scatter chart with axes, grid, legend and an accessible title. */
export function renderXYChart(spec: XYChartSpec): string {
  const legendW = spec.series.length > 1 ? LEGEND_WIDTH : 0;
  const width = spec.width ?? 580;
  const height = Math.max(spec.height ?? 280, MARGIN.top + MARGIN.bottom + Math.min(8, spec.series.length) * 16 + 10);
  const plotW = width - legendW - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = spec.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const label = `${spec.title}: ${spec.yLabel} against ${spec.xLabel}`;
  const head = `<svg class="chart" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`;
  const title = `<title>${escapeHtml(label)}</title><text class="chart-title" x="${MARGIN.left}" y="18">${escapeHtml(spec.title)}</text>`;
  if (all.length === 0) {
    return `${head}${title}<text class="chart-empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no samples</text></svg>`;
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs), 6, spec.xIntegers === true);
  const yTicks = niceTicks(spec.yFromZero === false ? Math.min(...ys) : Math.min(0, ...ys), spec.yMax ?? Math.max(...ys), 5);
  const x0 = xTicks[0] as number;
  const x1 = xTicks.at(-1) as number;
  const y0 = yTicks[0] as number;
  const y1 = yTicks.at(-1) as number;
  const sx = (x: number): number => MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number): number => MARGIN.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;

  const parts: string[] = [head, title];
  parts.push('<g class="grid">');
  for (const t of yTicks) parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${n2(sy(t))}" y2="${n2(sy(t))}"/>`);
  parts.push('</g><g class="axis">');
  for (const t of yTicks) parts.push(`<text x="${MARGIN.left - 6}" y="${n2(sy(t) + 4)}" text-anchor="end">${escapeHtml(formatTick(t))}</text>`);
  for (const t of xTicks) parts.push(`<text x="${n2(sx(t))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${escapeHtml(formatTick(t))}</text>`);
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`,
    `<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`,
    '</g>',
  );
  for (const r of spec.rules ?? []) {
    const x = n2(sx(r.x));
    parts.push(`<g class="rule"><line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/><text x="${n2(sx(r.x) + 3)}" y="${MARGIN.top + 10}">${escapeHtml(r.label)}</text></g>`);
  }
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] ?? '#000';
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    if (s.style === 'points') {
      parts.push(`<g class="series" fill="${color}"><title>${escapeHtml(s.name)}</title>`);
      for (const [x, y] of thin(pts, 2000)) parts.push(`<circle cx="${n2(sx(x))}" cy="${n2(sy(y))}" r="2"/>`);
      parts.push('</g>');
      return;
    }
    let d = '';
    pts.forEach(([x, y], j) => {
      if (j === 0) d += `M${n2(sx(x))} ${n2(sy(y))}`;
      else if (s.style === 'step') d += `H${n2(sx(x))}V${n2(sy(y))}`;
      else d += `L${n2(sx(x))} ${n2(sy(y))}`;
    });
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    parts.push(`<path class="series" d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}><title>${escapeHtml(s.name)}</title></path>`);
    if (s.style === 'line' && pts.length <= 40) {
      parts.push(`<g fill="${color}">`);
      for (const [x, y] of pts) parts.push(`<circle cx="${n2(sx(x))}" cy="${n2(sy(y))}" r="3"/>`);
      parts.push('</g>');
    }
  });
  parts.push(legend(spec.series, MARGIN.left + plotW + 14));
  parts.push('</svg>');
  return parts.join('');
}

/** Room on the right for the legend, so it never covers data. */
const LEGEND_WIDTH = 170;

function legend(series: readonly Series[], x: number): string {
  if (series.length < 2) return '';
  const out: string[] = ['<g class="legend">'];
  series.slice(0, 8).forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] ?? '#000';
    const y = MARGIN.top + 6 + i * 16;
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    out.push(
      `<line x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="3"${dash}/>`,
      `<text x="${x + 24}" y="${y + 4}">${escapeHtml(s.name.length > 24 ? `${s.name.slice(0, 23)}…` : s.name)}</text>`,
    );
  });
  out.push('</g>');
  return out.join('');
}

export interface HistogramSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly values: readonly number[];
  readonly bins?: number;
  readonly width?: number;
  readonly height?: number;
  readonly color?: string;
}

/** Bin edges and counts: equal-width bins over [min, max]. */
export function binValues(values: readonly number[], bins: number): { edges: number[]; counts: number[] } {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { edges: [], counts: [] };
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]! += 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  return { edges, counts };
}

/** A histogram of one sample, bars of equal width. */
export function renderHistogram(spec: HistogramSpec): string {
  const width = spec.width ?? 360;
  const height = spec.height ?? 200;
  const bins = spec.bins ?? Math.max(5, Math.min(30, Math.ceil(Math.sqrt(spec.values.length))));
  const { edges, counts } = binValues(spec.values, bins);
  const label = `${spec.title}: histogram of ${spec.xLabel}, ${spec.values.length} samples`;
  const head = `<svg class="chart" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`;
  const title = `<title>${escapeHtml(label)}</title><text class="chart-title" x="${MARGIN.left}" y="18">${escapeHtml(spec.title)}</text>`;
  if (counts.length === 0) return `${head}${title}<text class="chart-empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no samples</text></svg>`;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const yTicks = niceTicks(0, Math.max(...counts), 4, true);
  const yTop = yTicks.at(-1) as number;
  const lo = edges[0] as number;
  const hi = edges.at(-1) as number;
  const sx = (x: number): number => MARGIN.left + ((x - lo) / (hi - lo)) * plotW;
  const sy = (y: number): number => MARGIN.top + plotH - (y / yTop) * plotH;
  const parts: string[] = [head, title, '<g class="grid">'];
  for (const t of yTicks) parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${n2(sy(t))}" y2="${n2(sy(t))}"/>`);
  parts.push(`</g><g class="bars" fill="${spec.color ?? PALETTE[0]}">`);
  counts.forEach((c, i) => {
    if (c === 0) return;
    const x = sx(edges[i] as number);
    const w = Math.max(1, sx(edges[i + 1] as number) - x - 1);
    parts.push(`<rect x="${n2(x)}" y="${n2(sy(c))}" width="${n2(w)}" height="${n2(sy(0) - sy(c))}"><title>${escapeHtml(`${formatNumber(edges[i])}–${formatNumber(edges[i + 1])}: ${c}`)}</title></rect>`);
  });
  parts.push('</g><g class="axis">');
  for (const t of yTicks) parts.push(`<text x="${MARGIN.left - 6}" y="${n2(sy(t) + 4)}" text-anchor="end">${t}</text>`);
  for (const t of niceTicks(lo, hi, 4)) {
    if (t < lo || t > hi) continue;
    parts.push(`<text x="${n2(sx(t))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${escapeHtml(formatTick(t))}</text>`);
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`,
    `<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">requests</text>`,
    '</g></svg>',
  );
  return parts.join('');
}
