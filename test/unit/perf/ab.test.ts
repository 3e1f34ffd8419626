import { describe, expect, it } from 'vitest';
import { attributeAb, renderAb } from '../../../src/perf/ab.ts';
import type { DistributionStats, PerfRun } from '../../../src/types.ts';

const d = (p50: number, n = 5): DistributionStats => ({ n, mean: p50, std: 0, min: p50, max: p50, p50, p90: p50, p95: p50, p99: p50 });
const none: DistributionStats = { ...d(0), n: 0 };

function run(users: number, f: { ttfb: number; start: number; ttft: number; itl: number; e2el: number }, ok = 5): PerfRun {
  return {
    concurrency: users,
    mode: 'closed',
    duration_s: 1,
    requests: { ok, failed: 0, errors_by_kind: {} },
    ttft_ms: d(f.ttft),
    tpot_ms: d(f.itl),
    itl_ms: d(f.itl),
    e2el_ms: d(f.e2el),
    output_tokens_per_s: { p50: 1, aggregate: 1 },
    vllm_compat: {},
    samples: { ttft_ms: [], tpot_ms: [], e2el_ms: [], output_tokens_per_s: [] },
    extra: { ttfb_ms: d(f.ttfb), message_start_ms: d(f.start) },
  };
}

describe('A/B attribution', () => {
  // Direct: headers at 10, first chunk 12, first token 40. Gateway: +5 before headers, waits 30 ms
  // before message_start, holds the first delta 8 ms more, 0.5 ms per chunk, E2EL +60.
  const direct = [run(1, { ttfb: 10, start: 12, ttft: 40, itl: 2, e2el: 400 }), run(4, { ttfb: 20, start: 22, ttft: 80, itl: 4, e2el: 900 })];
  const gateway = [run(1, { ttfb: 15, start: 47, ttft: 83, itl: 2.5, e2el: 460 }, 4), run(2, { ttfb: 1, start: 1, ttft: 1, itl: 1, e2el: 1 })];

  it('pairs levels by users and reports direct, gateway and added per figure', () => {
    const levels = attributeAb(direct, gateway);
    expect(levels.map((l) => l.users)).toEqual([1]); // 2 ran only through the gateway, 4 only direct
    const l = levels[0];
    expect(l?.ok).toEqual({ direct: 5, gateway: 4 });
    const added = Object.fromEntries((l?.rows ?? []).map((r) => [r.metric, r.added_ms]));
    expect(added).toEqual({ ttfb: 5, message_start: 35, ttft: 43, itl_p50: 0.5, e2el: 60 });
    expect(l?.rows.find((r) => r.metric === 'ttft')).toMatchObject({ direct_ms: 40, gateway_ms: 83 });
  });

  it('splits the added TTFT into before headers, stream start and first token', () => {
    const split = attributeAb(direct, gateway)[0]?.ttft_split;
    expect(split).toEqual({ headers_ms: 5, stream_start_ms: 30, first_token_ms: 8 });
    // The three phases add up to the TTFT difference here (medians of identical samples).
    expect((split?.headers_ms ?? 0) + (split?.stream_start_ms ?? 0) + (split?.first_token_ms ?? 0)).toBe(43);
  });

  it('leaves a figure out (null) when a side has no sample for it, and renders a table', () => {
    const noStart: PerfRun = { ...run(1, { ttfb: 10, start: 0, ttft: 40, itl: 2, e2el: 400 }), extra: { ttfb_ms: d(10), message_start_ms: none } };
    const l = attributeAb([noStart], gateway)[0];
    expect(l?.rows.find((r) => r.metric === 'message_start')).toEqual({ metric: 'message_start', direct_ms: null, gateway_ms: 47, added_ms: null });
    expect(l?.ttft_split.stream_start_ms).toBeNull();
    const text = renderAb(attributeAb(direct, gateway), ' EMULATED').join('\n');
    expect(text).toMatch(/A\/B EMULATED/);
    expect(text).toMatch(/TTFT \(first content token\)\s+40\.0 ms\s+83\.0 ms\s+\+43\.0 ms/);
    expect(text).toMatch(/headers → stream start \+30\.0 ms/);
    expect(renderAb([], '')).toEqual(['A/B: no level ran on both sides.']);
  });
});
