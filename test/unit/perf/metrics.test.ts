import { describe, expect, it } from 'vitest';
import { extractMarks } from '../../../src/perf/marks.ts';
import { isGood, maxConcurrent, measure, requestMetrics, summarizeRun, type MeasuredRequest } from '../../../src/perf/metrics.ts';
import { json, msgDelta, msgStart, obs, text } from './observations.ts';

const T0 = 1_700_000_000_000;

// A: text stream. TTFT 50, E2EL 100, N = 5 by usage (two message_deltas: overwrite, never add), 3 deltas counted.
const A = obs({
  id: 'A',
  t0: T0,
  hdr: 5,
  end: 105,
  events: [
    ['message_start', msgStart(100, { cache_read_input_tokens: 300, cache_creation_input_tokens: 0 }), 10],
    ['ping', { type: 'ping' }, 11],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 12],
    ['content_block_delta', text(''), 13], // empty: never TTFT
    ['content_block_delta', text('Hel'), 50],
    ['content_block_delta', text('lo'), 70],
    ['content_block_delta', text(' world'), 100],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }, 101],
    ['message_delta', msgDelta(3), 101],
    ['message_delta', msgDelta(5), 102],
    ['message_stop', { type: 'message_stop' }, 105],
  ],
});

// B: tool call, server reports output_tokens 0 → N counted (2 non-empty deltas).
const B = obs({
  id: 'B',
  t0: T0 + 20,
  hdr: 4,
  end: 62,
  events: [
    ['message_start', msgStart(50), 8],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't1', name: 'Bash', input: {} } }, 30],
    ['content_block_delta', json(''), 31],
    ['content_block_delta', json('{"a"'), 40],
    ['content_block_delta', json(':1}'), 60],
    ['message_delta', msgDelta(0, 'tool_use'), 61],
    ['message_stop', { type: 'message_stop' }, 62],
  ],
});

// C: HTTP 429 with an Anthropic error body, ended at 15 ms.
const C = obs({
  id: 'C',
  t0: T0 + 30,
  end: 15,
  status: 429,
  body: JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }),
});

// D: an in-stream error event after one delta.
const D = obs({
  id: 'D',
  t0: T0 + 40,
  end: 25,
  events: [
    ['message_start', msgStart(10), 5],
    ['content_block_delta', text('x'), 20],
    ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 25],
  ],
});

// E: idle timeout mid-response at 200 ms.
const E = obs({ id: 'E', t0: T0 + 50, end: 200, events: [['message_start', msgStart(10), 5]], error: { kind: 'timeout', message: 'idle' } });

// F: cancelled by the run deadline: neither ok nor failed.
const F = obs({ id: 'F', t0: T0 + 60, end: 3, hdr: null, status: null, events: [], error: { kind: 'aborted', message: 'run deadline' } });

const req = (o: ReturnType<typeof obs>, sched: number | null = null): MeasuredRequest => ({ observation: o, t_sched_epoch_ms: sched });

describe('per-request metrics (design.md definitions)', () => {
  it('computes TTFT, TTFB, message_start, TTFO, E2EL, stop, N, TPOT, ITL, rates and queue for a text stream', () => {
    const m = measure(req(A, T0 - 7));
    expect(m.outcome).toBe('ok');
    expect(m.ttft_ms).toBe(50); // first NON-EMPTY delta, not message_start (10) nor the empty one (13)
    expect(m.ttfb_ms).toBe(5);
    expect(m.message_start_ms).toBe(10);
    expect(m.ttfo_ms).toBe(50);
    expect(m.first_tool_ms).toBeNull();
    expect(m.e2el_ms).toBe(100);
    expect(m.stop_ms).toBe(105);
    expect(m.output_tokens).toBe(5); // last message_delta overwrites (3 then 5), not 8
    expect(m.tokens_source).toBe('usage');
    expect(m.token_discrepancy).toBeCloseTo(2 / 3, 12); // |5 − 3| / 3
    expect(m.tpot_ms).toBe(12.5); // (100 − 50) / (5 − 1)
    expect(m.itl_ms).toEqual([20, 30]);
    expect(m.output_tokens_per_s).toBe(80); // 1000 / 12.5
    expect(m.e2e_tokens_per_s).toBe(50); // 5 tokens / 0.1 s
    expect(m.queue_ms).toBe(7);
    expect(m.e2el_co_ms).toBe(107);
    expect(m.prompt_tokens).toBe(400); // input 100 + cache read 300 (Anthropic input excludes cached)
    expect(m.cache_read_tokens).toBe(300);
  });

  it('falls back to counting deltas when usage says 0, and times the first tool call', () => {
    const m = measure(req(B));
    expect(m.ttft_ms).toBe(40); // input_json_delta counts; the empty one at 31 does not
    expect(m.ttfo_ms).toBeNull();
    expect(m.first_tool_ms).toBe(30);
    expect(m.output_tokens).toBe(2);
    expect(m.tokens_source).toBe('counted');
    expect(m.token_discrepancy).toBeNull();
    expect(m.tpot_ms).toBe(20); // (60 − 40) / (2 − 1)
    expect(m.queue_ms).toBeNull();
  });

  it('classifies failures by mechanism and keeps cancelled requests apart', () => {
    expect(measure(req(C))).toMatchObject({ outcome: 'failed', failure: 'http_429', failure_detail: 'slow down' });
    expect(measure(req(D))).toMatchObject({ outcome: 'failed', failure: 'stream_error' });
    expect(measure(req(E))).toMatchObject({ outcome: 'failed', failure: 'timeout' });
    expect(measure(req(F))).toMatchObject({ outcome: 'cancelled' });
    const empty = obs({ id: 'G', t0: T0, events: [['message_start', msgStart(1), 3], ['message_stop', { type: 'message_stop' }, 4]] });
    expect(measure(req(empty))).toMatchObject({ outcome: 'failed', failure: 'empty' });
  });

  it('leaves TPOT undefined for N = 1 and scales every duration', () => {
    const one = obs({ id: 'H', t0: T0, events: [['content_block_delta', text('a'), 30], ['message_delta', msgDelta(1), 31]] });
    expect(measure(req(one)).tpot_ms).toBeNull();
    const scaled = requestMetrics(extractMarks(A), T0 - 7, 10);
    expect(scaled.ttft_ms).toBe(500);
    expect(scaled.tpot_ms).toBe(125);
    expect(scaled.itl_ms).toEqual([200, 300]);
    expect(scaled.queue_ms).toBe(70);
  });

  it('reads OpenAI chat streams the same way', () => {
    const chunk = (delta: unknown, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
    const o = obs({
      id: 'K',
      t0: T0,
      events: [
        [null, chunk({ role: 'assistant', content: '' }), 30],
        [null, chunk({ content: 'a' }), 30],
        [null, chunk({ content: 'b' }), 45],
        [null, chunk({ content: 'c' }, 'stop'), 60],
        [null, { id: 'c', choices: [], usage: { prompt_tokens: 12, completion_tokens: 3 } }, 61],
        [null, '[DONE]', 62],
      ],
    });
    const m = measure({ observation: o, t_sched_epoch_ms: null, protocol: 'chat' });
    expect(m).toMatchObject({ outcome: 'ok', ttft_ms: 30, e2el_ms: 60, stop_ms: 62, output_tokens: 3, tpot_ms: 15, prompt_tokens: 12 });
    expect(m.itl_ms).toEqual([15, 15]);
  });

  it('judges goodput against every given target (TPOT of N < 2 counts as 0)', () => {
    const a = measure(req(A));
    expect(isGood(a, { ttft_ms: 50, tpot_ms: 12.5, e2el_ms: 100 })).toBe(true);
    expect(isGood(a, { ttft_ms: 49.9 })).toBe(false);
    expect(isGood(a, { tpot_ms: 12 })).toBe(false);
    expect(isGood(measure(req(C)), {})).toBe(false);
  });
});

describe('per-run summary', () => {
  const run = summarizeRun([A, B, C, D, E, F].map((o) => req(o)), { concurrency: 2, mode: 'closed', slo: { ttft_ms: 45 } });

  it('counts ok, failed by kind, cancelled', () => {
    expect(run.requests).toEqual({ ok: 2, failed: 3, errors_by_kind: { http_429: 1, stream_error: 1, timeout: 1 } });
    expect(run.extra?.['cancelled']).toBe(1);
  });

  it('takes linear-interpolation percentiles over successful requests, with n', () => {
    expect(run.ttft_ms).toMatchObject({ n: 2, mean: 45, std: 5, min: 40, max: 50, p50: 45 });
    expect(run.ttft_ms.p90).toBeCloseTo(49, 10);
    expect(run.ttft_ms.p99).toBeCloseTo(49.9, 10);
    expect(run.tpot_ms).toMatchObject({ n: 2, mean: 16.25 });
    // ITL pooled over requests: [20, 30] ∪ [20] → sorted [20, 20, 30]; p99 = 20 + 0.98·10.
    expect(run.itl_ms.n).toBe(3);
    expect(run.itl_ms.p50).toBe(20);
    expect(run.itl_ms.p99).toBeCloseTo(29.8, 10);
    expect(run.itl_ms.mean).toBeCloseTo(70 / 3, 10);
    expect(run.e2el_ms).toMatchObject({ n: 2, min: 60, max: 100, p50: 80 });
    expect(run.samples.ttft_ms).toEqual([50, 40]);
    expect(run.samples.output_tokens_per_s).toEqual([80, 50]);
    expect(run.output_tokens_per_s.p50).toBe(65);
  });

  it('computes throughput over max end − min t0, and goodput with errors in the denominator', () => {
    // Window: first send T0 (A) to the timeout of E at T0 + 50 + 200 → 250 ms.
    expect(run.duration_s).toBeCloseTo(0.25, 12);
    expect(run.output_tokens_per_s.aggregate).toBeCloseTo(7 / 0.25, 9); // ΣN = 5 + 2
    expect(run.vllm_compat['request_throughput']).toBeCloseTo(8, 9);
    expect(run.vllm_compat['total_output_tokens']).toBe(7);
    expect(run.vllm_compat['completed']).toBe(2);
    expect(run.vllm_compat['mean_ttft_ms']).toBe(45);
    expect(run.vllm_compat['median_itl_ms']).toBe(20);
    expect(run.vllm_compat['p99_tpot_ms']).toBeCloseTo(12.5 + 0.99 * 7.5, 9);
    // Only B meets TTFT ≤ 45 ms: goodput 1 / 0.25 s, good fraction 1 / (2 ok + 3 failed).
    expect(run.vllm_compat['request_goodput']).toBeCloseTo(4, 9);
    expect(run.extra?.['good_fraction']).toBeCloseTo(0.2, 12);
    expect(run.vllm_compat['max_concurrent_requests']).toBe(2);
  });

  it('reports the fallback token count and the prefix-cache share', () => {
    expect(run.extra?.['output_tokens']).toMatchObject({ from_usage: 1, counted_fallback: 1 });
    // A: 300 read of 400; B: 0 read of 50 → 300 / 450.
    expect((run.extra?.['prefix_cache'] as { hit_share: number }).hit_share).toBeCloseTo(300 / 450, 12);
  });

  it('gives n = 0 and zeros, never NaN, when nothing succeeded', () => {
    const bad = summarizeRun([req(C)], { concurrency: 1, mode: 'closed' });
    expect(bad.ttft_ms).toMatchObject({ n: 0, p50: 0 });
    expect(JSON.stringify(bad)).not.toMatch(/NaN|Infinity|null,"p50"/);
  });

  it('finds the peak overlap with departures before arrivals on ties', () => {
    const m = (s: number, e: number) => ({ ...measure(req(A)), start_epoch_ms: s, end_epoch_ms: e });
    expect(maxConcurrent([m(0, 10), m(10, 20), m(5, 15)])).toBe(2);
  });
});

describe('per-session roll-up', () => {
  it('reports turn latency, session wall time and measured vs theoretical cache share', () => {
    const turn = (id: string, t0: number, last: number, input: number, read: number) =>
      obs({ id, t0, events: [['message_start', msgStart(input, { cache_read_input_tokens: read }), 5], ['content_block_delta', text('a'), last / 2], ['content_block_delta', text('b'), last], ['message_delta', msgDelta(2), last]] });
    const reqs: MeasuredRequest[] = [
      { observation: turn('s1a', T0, 100, 1000, 0), t_sched_epoch_ms: null, session_id: 's1', turn: 0, kind: 'main', theoretical_cached_share: 0.5 },
      { observation: turn('s1b', T0 + 1000, 200, 100, 900), t_sched_epoch_ms: null, session_id: 's1', turn: 1, kind: 'main', theoretical_cached_share: 0.9 },
      { observation: turn('s2a', T0, 300, 1000, 0), t_sched_epoch_ms: null, session_id: 's2', turn: 0, kind: 'main', theoretical_cached_share: 0.5 },
      { observation: turn('s2b', T0 + 10, 50, 10, 0), t_sched_epoch_ms: null, session_id: 's2', turn: 0, kind: 'side', theoretical_cached_share: 0.1 },
    ];
    const s = summarizeRun(reqs, { concurrency: 2, mode: 'closed' }).extra?.['sessions'] as {
      sessions: number; turn_latency_ms: { n: number; max: number }; session_wall_s: { max: number; min: number }; cache_hit_share: { max: number; min: number }; theoretical_cache_share: number;
    };
    expect(s.sessions).toBe(2);
    expect(s.turn_latency_ms.n).toBe(3); // side requests are not turns
    expect(s.turn_latency_ms.max).toBe(300);
    expect(s.session_wall_s.max).toBeCloseTo(1.2, 9); // s1: T0 → T0 + 1000 + 200
    expect(s.session_wall_s.min).toBeCloseTo(0.3, 9);
    expect(s.cache_hit_share.max).toBeCloseTo(900 / 2000, 9); // s1: 900 read of (1000 + 100 + 900)
    expect(s.cache_hit_share.min).toBe(0);
    expect(s.theoretical_cache_share).toBeCloseTo((0.5 + 0.9 + 0.5 + 0.1) / 4, 9);
  });
});
