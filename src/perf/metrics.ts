/**
 * Metrics exactly as design.md defines them ("Metric definitions"), so they
 * line up with vLLM `bench serve`, AIPerf and GuideLLM. Pure: Observations
 * (via their marks) in, numbers out.
 *
 * Per request: TTFT = t_first − t0; TTFB = t_hdr − t0; time to message_start;
 * TTFO = t_first_text − t0; time to first tool; E2EL = t_last − t0 (and
 * t_stop − t0); N = final usage.output_tokens, else counted deltas (flagged);
 * TPOT = (E2EL − TTFT)/(N − 1) for N ≥ 2; ITL = gaps between content deltas;
 * per-stream tok/s = 1/TPOT; e2e rate = N/E2EL; queue = t0 − t_sched.
 */
import type { DistributionStats, Observation, PerfRun } from '../types.ts';
import { extractMarks, type RequestMarks, type WireProtocol } from './marks.ts';
import { summarizeSessions } from './sessions.ts';
import { describe, percentile } from './stats.ts';

/** One request as the load generator saw it: the observation plus where it sat in the load. */
export interface MeasuredRequest {
  readonly observation: Observation;
  /** When the load model wanted it sent: epoch ms on the same clock as t0_epoch_ms; null when not scheduled. */
  readonly t_sched_epoch_ms: number | null;
  readonly protocol?: WireProtocol;
  /** Closed-loop user (lane) index. */
  readonly user?: number;
  /** Session it belongs to (replayed or synthetic Claude Code sessions). */
  readonly session_id?: string;
  /** 0-based turn within the session. */
  readonly turn?: number;
  /** Main agent turn, or a small side request sent alongside. */
  readonly kind?: 'main' | 'side';
  /** Share of the prompt a perfect prefix cache would have served (workload's estimate), 0–1. */
  readonly theoretical_cached_share?: number;
}

/** Targets a request must meet to count as good (DistServe goodput). Absent = not judged. */
export interface Slo {
  readonly ttft_ms?: number;
  /** TPOT bound; a per-stream tok/s target T becomes 1000 / T. */
  readonly tpot_ms?: number;
  readonly e2el_ms?: number;
}

export type Outcome = 'ok' | 'failed' | 'cancelled';

/** Per-request figures (ms, already scaled back to model time when a time scale applies). */
export interface RequestMetrics {
  readonly request_id: string;
  readonly outcome: Outcome;
  /** errors_by_kind key for failures (timeout, reset, http_429, stream_error, empty, …). */
  readonly failure: string | null;
  readonly failure_detail: string | null;
  readonly ttft_ms: number | null;
  readonly ttfb_ms: number | null;
  readonly message_start_ms: number | null;
  readonly ttfo_ms: number | null;
  readonly first_tool_ms: number | null;
  readonly e2el_ms: number | null;
  readonly stop_ms: number | null;
  /** N: server usage when it reported more than 0, else the client's count of content deltas. */
  readonly output_tokens: number | null;
  readonly tokens_source: 'usage' | 'counted';
  /** |usage − counted| / counted when both exist. */
  readonly token_discrepancy: number | null;
  readonly tpot_ms: number | null;
  /** Gaps between consecutive content deltas. */
  readonly itl_ms: readonly number[];
  /** 1 / TPOT in tokens per second. */
  readonly output_tokens_per_s: number | null;
  /** N / E2EL in tokens per second. */
  readonly e2e_tokens_per_s: number | null;
  readonly queue_ms: number | null;
  /** t_last − t_sched (coordinated-omission aware). */
  readonly e2el_co_ms: number | null;
  readonly prompt_tokens: number | null;
  readonly cache_read_tokens: number | null;
  /** Absolute send time and end (success: t_last; failure: when it failed), epoch ms, unscaled. */
  readonly start_epoch_ms: number;
  readonly end_epoch_ms: number;
}

/**
 * Compute one request's metrics. Under an emulator time scale, `scale`
 * (1 / time scale) turns wall ms into model ms; `offsetMs` is the part of
 * every t0-relative time that is real overhead (gateway, client), which is
 * not modelled and so not scaled: t_model = min(t, o) + max(0, t − o) × scale.
 * Gaps between events are scaled whole.
 */
export function requestMetrics(marks: RequestMarks, tSchedEpochMs: number | null = null, scale = 1, offsetMs = 0): RequestMetrics {
  const s = (v: number | null): number | null => (v === null ? null : Math.min(v, offsetMs) + Math.max(0, v - offsetMs) * scale);
  const outcome: Outcome = marks.failure === null ? 'ok' : marks.failure === 'cancelled' ? 'cancelled' : 'failed';
  const ttft = s(marks.t_first_ms);
  const e2el = s(marks.t_last_ms);
  const usage = marks.usage_output_tokens;
  const counted = marks.counted_output_tokens;
  const fromUsage = usage !== null && usage > 0;
  const n = fromUsage ? usage : counted > 0 ? counted : null;
  const tpot = ttft !== null && e2el !== null && n !== null && n >= 2 ? (e2el - ttft) / (n - 1) : null;
  const gaps: number[] = [];
  for (let i = 1; i < marks.content_t_ms.length; i++) {
    gaps.push(((marks.content_t_ms[i] as number) - (marks.content_t_ms[i - 1] as number)) * scale);
  }
  const queue = tSchedEpochMs === null ? null : Math.max(0, marks.t0_epoch_ms - tSchedEpochMs) * scale;
  // A success ends at its last content delta; a failure when it failed.
  const endRel = (outcome === 'ok' ? marks.t_last_ms : marks.t_end_ms ?? marks.t_last_ms) ?? 0;
  return {
    request_id: marks.request_id,
    outcome,
    failure: outcome === 'ok' ? null : marks.failure,
    failure_detail: marks.failure_detail,
    ttft_ms: ttft,
    ttfb_ms: s(marks.t_hdr_ms),
    message_start_ms: s(marks.t_msgstart_ms),
    ttfo_ms: s(marks.t_first_text_ms),
    first_tool_ms: s(marks.t_first_tool_ms),
    e2el_ms: e2el,
    stop_ms: s(marks.t_stop_ms),
    output_tokens: n,
    tokens_source: fromUsage ? 'usage' : 'counted',
    token_discrepancy: fromUsage && counted > 0 ? Math.abs(usage - counted) / counted : null,
    tpot_ms: tpot,
    itl_ms: gaps,
    output_tokens_per_s: tpot !== null && tpot > 0 ? 1000 / tpot : null,
    e2e_tokens_per_s: n !== null && e2el !== null && e2el > 0 ? (n * 1000) / e2el : null,
    queue_ms: queue,
    e2el_co_ms: e2el !== null && queue !== null ? e2el + queue : null,
    prompt_tokens: marks.prompt_tokens,
    cache_read_tokens: marks.cache_read_input_tokens,
    start_epoch_ms: marks.t0_epoch_ms,
    end_epoch_ms: marks.t0_epoch_ms + endRel,
  };
}

/** Metrics of a measured request (marks read with its protocol). */
export function measure(req: MeasuredRequest, scale = 1, offsetMs = 0): RequestMetrics {
  return requestMetrics(extractMarks(req.observation, req.protocol ?? 'messages'), req.t_sched_epoch_ms, scale, offsetMs);
}

/** True when a successful request meets every given target (TPOT of a request with N < 2 counts as 0, as vLLM). */
export function isGood(m: RequestMetrics, slo: Slo): boolean {
  if (m.outcome !== 'ok') return false;
  if (slo.ttft_ms !== undefined && !(m.ttft_ms !== null && m.ttft_ms <= slo.ttft_ms)) return false;
  if (slo.tpot_ms !== undefined && !((m.tpot_ms ?? 0) <= slo.tpot_ms)) return false;
  if (slo.e2el_ms !== undefined && !(m.e2el_ms !== null && m.e2el_ms <= slo.e2el_ms)) return false;
  return true;
}

/** Options of {@link summarizeRun}. */
export interface RunSummaryOptions {
  readonly concurrency: number;
  readonly mode: PerfRun['mode'];
  readonly rate_rps?: number;
  readonly slo?: Slo;
  /** Multiplies every duration (1 / emulator time scale); 1 for real hardware. */
  readonly scale?: number;
  /** Real (unscaled) overhead in every t0-relative time, wall ms (see requestMetrics). */
  readonly offset_ms?: number;
}

/**
 * One load level's PerfRun from its measured requests (warm-up already left
 * out). Percentiles over successful requests; failures by kind; window
 * D = max end − min t0 over every request sent (ok: t_last, failed: its end).
 */
export function summarizeRun(requests: readonly MeasuredRequest[], options: RunSummaryOptions): PerfRun {
  const scale = options.scale ?? 1;
  const offset = options.offset_ms ?? 0;
  const all = requests.map((r) => ({ req: r, m: measure(r, scale, offset) }));
  const sent = all.filter((x) => x.m.outcome !== 'cancelled');
  const ok = sent.filter((x) => x.m.outcome === 'ok').map((x) => x.m);
  const failed = sent.filter((x) => x.m.outcome === 'failed').map((x) => x.m);
  const cancelled = all.length - sent.length;

  const errorsByKind: Record<string, number> = {};
  for (const f of failed) errorsByKind[f.failure ?? 'unknown'] = (errorsByKind[f.failure ?? 'unknown'] ?? 0) + 1;

  const windowMs = measuredWindowMs(sent.map((x) => x.m)) * scale;
  const durationS = windowMs / 1000;
  const per = (pick: (m: RequestMetrics) => number | null): number[] => {
    const out: number[] = [];
    for (const m of ok) {
      const v = pick(m);
      if (v !== null && Number.isFinite(v)) out.push(v);
    }
    return out;
  };
  const ttft = per((m) => m.ttft_ms);
  const tpot = per((m) => m.tpot_ms);
  const e2el = per((m) => m.e2el_ms);
  const streamTps = per((m) => m.output_tokens_per_s);
  const itl: number[] = [];
  for (const m of ok) for (const g of m.itl_ms) itl.push(g);

  const totalOut = ok.reduce((acc, m) => acc + (m.output_tokens ?? 0), 0);
  const totalIn = ok.reduce((acc, m) => acc + (m.prompt_tokens ?? 0), 0);
  const slo = options.slo ?? {};
  const good = ok.filter((m) => isGood(m, slo)).length;
  const rate = (count: number): number => (durationS > 0 ? count / durationS : 0);

  const stats = {
    ttft: describe(ttft),
    tpot: describe(tpot),
    itl: describe(itl),
    e2el: describe(e2el),
  };
  const counted = ok.filter((m) => m.tokens_source === 'counted').length;
  const discrepancies = per((m) => m.token_discrepancy);
  const extra: Record<string, unknown> = {
    labels: {
      tpot_ms: 'TPOT (= vLLM TPOT = AIPerf ITL): (E2EL − TTFT)/(N − 1)',
      itl_ms: 'ITL (vLLM-style, per chunk) = AIPerf inter-chunk latency: pooled gaps between content deltas',
    },
    cancelled,
    good,
    good_fraction: sent.length > 0 ? good / sent.length : 0,
    goodput_rps: rate(good),
    request_throughput_rps: rate(ok.length),
    total_input_tokens: totalIn,
    total_output_tokens: totalOut,
    ttfb_ms: describe(per((m) => m.ttfb_ms)),
    message_start_ms: describe(per((m) => m.message_start_ms)),
    ttfo_ms: describe(per((m) => m.ttfo_ms)),
    first_tool_ms: describe(per((m) => m.first_tool_ms)),
    stop_ms: describe(per((m) => m.stop_ms)),
    e2e_tokens_per_s: describe(per((m) => m.e2e_tokens_per_s)),
    output_tokens_per_s_stream: describe(streamTps),
    queue_ms: describe(per((m) => m.queue_ms)),
    e2el_co_ms: describe(per((m) => m.e2el_co_ms)),
    itl_per_request_p99_ms: describe(ok.filter((m) => m.itl_ms.length > 0).map((m) => percentile(m.itl_ms, 99))),
    output_tokens: {
      from_usage: ok.length - counted,
      counted_fallback: counted,
      ...(counted > 0 ? { warning: `${counted} successful request(s) reported no output_tokens; N counted from content deltas` } : {}),
      discrepancy: describe(discrepancies),
    },
    prefix_cache: prefixCacheShare(ok),
    sessions: summarizeSessions(all, scale),
    max_concurrent_requests: maxConcurrent(ok),
    ...(scale !== 1 ? { time_scale_factor: scale, unscaled_overhead_ms: offset } : {}),
  };
  return {
    concurrency: options.concurrency,
    mode: options.mode,
    ...(options.rate_rps !== undefined ? { rate_rps: options.rate_rps } : {}),
    duration_s: durationS,
    requests: { ok: ok.length, failed: failed.length, errors_by_kind: errorsByKind },
    ttft_ms: stats.ttft,
    tpot_ms: stats.tpot,
    itl_ms: stats.itl,
    e2el_ms: stats.e2el,
    output_tokens_per_s: {
      p50: describe(streamTps).p50,
      aggregate: durationS > 0 ? totalOut / durationS : 0,
    },
    vllm_compat: vllmCompat(stats, {
      completed: ok.length,
      failed: failed.length,
      durationS,
      totalIn,
      totalOut,
      good,
      maxConcurrent: maxConcurrent(ok),
    }),
    samples: { ttft_ms: ttft, tpot_ms: tpot, e2el_ms: e2el, output_tokens_per_s: streamTps },
    extra,
  };
}

/** max(end) − min(start) in wall-clock ms over the given requests (0 when none). */
export function measuredWindowMs(ms: readonly RequestMetrics[]): number {
  if (ms.length === 0) return 0;
  let start = Infinity;
  let end = -Infinity;
  for (const m of ms) {
    if (m.start_epoch_ms < start) start = m.start_epoch_ms;
    if (m.end_epoch_ms > end) end = m.end_epoch_ms;
  }
  return Math.max(0, end - start);
}

/** Peak overlap of [start, end) intervals (departures before arrivals on ties), as vLLM's sweep-line. */
export function maxConcurrent(ms: readonly RequestMetrics[]): number {
  const points: Array<[number, number]> = [];
  for (const m of ms) {
    points.push([m.start_epoch_ms, 1], [m.end_epoch_ms, -1]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let peak = 0;
  for (const [, d] of points) {
    cur += d;
    if (cur > peak) peak = cur;
  }
  return peak;
}

/** Token-weighted prefix-cache hit share (AIPerf: Σcache_read / Σprompt). */
function prefixCacheShare(ok: readonly RequestMetrics[]): Record<string, number> {
  let read = 0;
  let prompt = 0;
  let reporting = 0;
  for (const m of ok) {
    if (m.prompt_tokens === null || m.prompt_tokens <= 0) continue;
    prompt += m.prompt_tokens;
    read += m.cache_read_tokens ?? 0;
    if (m.cache_read_tokens !== null) reporting += 1;
  }
  return { hit_share: prompt > 0 ? read / prompt : 0, cache_read_tokens: read, prompt_tokens: prompt, requests_reporting: reporting };
}

interface Totals {
  readonly completed: number;
  readonly failed: number;
  readonly durationS: number;
  readonly totalIn: number;
  readonly totalOut: number;
  readonly good: number;
  readonly maxConcurrent: number;
}

/** The key names `vllm bench serve --save-result` writes, so results line up with its JSON. */
export function vllmCompat(
  stats: { ttft: DistributionStats; tpot: DistributionStats; itl: DistributionStats; e2el: DistributionStats },
  t: Totals,
): Record<string, number> {
  const out: Record<string, number> = {
    duration: t.durationS,
    completed: t.completed,
    failed: t.failed,
    total_input_tokens: t.totalIn,
    total_output_tokens: t.totalOut,
    request_throughput: t.durationS > 0 ? t.completed / t.durationS : 0,
    request_goodput: t.durationS > 0 ? t.good / t.durationS : 0,
    output_throughput: t.durationS > 0 ? t.totalOut / t.durationS : 0,
    total_token_throughput: t.durationS > 0 ? (t.totalIn + t.totalOut) / t.durationS : 0,
    max_concurrent_requests: t.maxConcurrent,
  };
  for (const [name, d] of Object.entries(stats)) {
    out[`mean_${name}_ms`] = d.mean;
    out[`median_${name}_ms`] = d.p50;
    out[`std_${name}_ms`] = d.std;
    out[`p90_${name}_ms`] = d.p90;
    out[`p95_${name}_ms`] = d.p95;
    out[`p99_${name}_ms`] = d.p99;
  }
  return out;
}
