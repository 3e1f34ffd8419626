/**
 * `perf --ab`: the same workload (same seeds) straight to the backend (OpenAI
 * chat completions) and through the gateway (Messages), and what the gateway
 * adds at each load level: TTFB, the lag of `message_start` behind the
 * backend's first chunk, TTFT, the per-chunk delay (ITL p50) and E2EL.
 * Pure: PerfRuns in, rows out.
 */
import type { PerfRun } from '../types.ts';

/** The figures compared (all p50, ms). */
export type AbMetric = 'ttfb' | 'message_start' | 'ttft' | 'itl_p50' | 'e2el';

export const AB_LABELS: Readonly<Record<AbMetric, string>> = {
  ttfb: 'TTFB (response headers)',
  message_start: 'message_start (direct: first chunk)',
  ttft: 'TTFT (first content token)',
  itl_p50: 'per-chunk delay (ITL p50)',
  e2el: 'E2EL',
};

export interface AbRow {
  readonly metric: AbMetric;
  readonly direct_ms: number | null;
  readonly gateway_ms: number | null;
  /** gateway − direct (null when either is missing). */
  readonly added_ms: number | null;
}

/** Where the gateway's added TTFT goes (p50 differences; they add up to the TTFT difference only roughly, being medians). */
export interface TtftSplit {
  /** Until response headers: connection, auth, routing, the gateway's own request to the backend. */
  readonly headers_ms: number | null;
  /** Headers → message_start (direct: → first chunk): a gateway that waits before it starts the stream. */
  readonly stream_start_ms: number | null;
  /** message_start → first content token: a gateway that holds or re-chunks the first deltas. */
  readonly first_token_ms: number | null;
}

export interface AbLevel {
  readonly users: number;
  readonly rows: readonly AbRow[];
  readonly ttft_split: TtftSplit;
  /** Requests that succeeded on each side (a comparison of few requests is noisy). */
  readonly ok: { readonly direct: number; readonly gateway: number };
}

function stat(run: PerfRun, metric: AbMetric): number | null {
  const fromExtra = (key: string): number | null => {
    const d = run.extra?.[key] as { n?: number; p50?: number } | undefined;
    return d !== undefined && typeof d.n === 'number' && d.n > 0 && typeof d.p50 === 'number' ? d.p50 : null;
  };
  switch (metric) {
    case 'ttfb':
      return fromExtra('ttfb_ms');
    case 'message_start':
      return fromExtra('message_start_ms');
    case 'ttft':
      return run.ttft_ms.n > 0 ? run.ttft_ms.p50 : null;
    case 'itl_p50':
      return run.itl_ms.n > 0 ? run.itl_ms.p50 : null;
    case 'e2el':
      return run.e2el_ms.n > 0 ? run.e2el_ms.p50 : null;
  }
}

const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : b - a);

/**
 * Pair the levels of both runs by user count (the first run at each level on
 * each side) and attribute the difference. Levels run on one side only are left out.
 */
export function attributeAb(direct: readonly PerfRun[], gateway: readonly PerfRun[]): AbLevel[] {
  const out: AbLevel[] = [];
  const seen = new Set<number>();
  for (const g of gateway) {
    if (seen.has(g.concurrency)) continue;
    const d = direct.find((r) => r.concurrency === g.concurrency);
    if (d === undefined) continue;
    seen.add(g.concurrency);
    const rows = (Object.keys(AB_LABELS) as AbMetric[]).map((metric): AbRow => {
      const direct_ms = stat(d, metric);
      const gateway_ms = stat(g, metric);
      return { metric, direct_ms, gateway_ms, added_ms: diff(direct_ms, gateway_ms) };
    });
    const gap = (run: PerfRun, from: AbMetric, to: AbMetric): number | null => {
      const a = stat(run, from);
      const b = stat(run, to);
      return a === null || b === null ? null : b - a;
    };
    out.push({
      users: g.concurrency,
      rows,
      ttft_split: {
        headers_ms: diff(stat(d, 'ttfb'), stat(g, 'ttfb')),
        stream_start_ms: diff(gap(d, 'ttfb', 'message_start'), gap(g, 'ttfb', 'message_start')),
        first_token_ms: diff(gap(d, 'message_start', 'ttft'), gap(g, 'message_start', 'ttft')),
      },
      ok: { direct: d.requests.ok, gateway: g.requests.ok },
    });
  }
  return out.sort((a, b) => a.users - b.users);
}

function ms(v: number | null, signed = false): string {
  if (v === null || !Number.isFinite(v)) return '—';
  const text = Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)} ms`;
  return signed && v >= 0 ? `+${text}` : text;
}

/** Plain-text lines for the console: one small table per level. */
export function renderAb(levels: readonly AbLevel[], tag: string): string[] {
  if (levels.length === 0) return ['A/B: no level ran on both sides.'];
  const lines = [`A/B${tag}: same workload and seeds, direct to the backend (chat completions) vs through the gateway (Messages); p50s.`];
  const w = Math.max(...Object.values(AB_LABELS).map((l) => l.length)) + 2;
  for (const l of levels) {
    lines.push(`  ${l.users} user${l.users === 1 ? '' : 's'} (ok: direct ${l.ok.direct}, gateway ${l.ok.gateway})`);
    lines.push(`    ${'figure'.padEnd(w)}${'direct'.padStart(10)}${'gateway'.padStart(10)}${'added'.padStart(11)}`);
    for (const r of l.rows) lines.push(`    ${AB_LABELS[r.metric].padEnd(w)}${ms(r.direct_ms).padStart(10)}${ms(r.gateway_ms).padStart(10)}${ms(r.added_ms, true).padStart(11)}`);
    const s = l.ttft_split;
    lines.push(`    added TTFT by phase: before headers ${ms(s.headers_ms, true)}, headers → stream start ${ms(s.stream_start_ms, true)}, stream start → first token ${ms(s.first_token_ms, true)}`);
  }
  return lines;
}
