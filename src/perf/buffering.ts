/**
 * Buffered-stream detector: a proxy that holds the SSE body (nginx with
 * proxy_buffering on, mitmproxy without stream=True, a gateway that collects
 * the upstream stream) delivers every delta in one burst at the end, so
 * TTFT ≈ E2EL. Such a stream must be flagged, not reported as a fast decode
 * with a slow TTFT. Pure: works on request marks.
 */
import type { PerfVerdict } from '../types.ts';
import type { RequestMarks } from './marks.ts';

/** Tunables of the detector (defaults chosen to tolerate TCP coalescing of a few deltas). */
export interface BufferingOptions {
  /** Fewer content deltas than this cannot show a burst. Default 3. */
  readonly minDeltas?: number;
  /** Delta spread (t_last − t_first) at or below this share of E2EL counts as one burst. Default 0.05. */
  readonly maxSpreadShare?: number;
  /** Shorter responses are not judged: a genuinely fast stream may land in one read. Default 20 ms. */
  readonly minE2elMs?: number;
  /**
   * Many deltas per read on average count as bursts too: nginx's
   * proxy_buffering flushes a long stream each time its buffers fill (~25
   * deltas per read), where an unbuffered path delivers ~1–2. Default 8.
   */
  readonly maxDeltasPerRead?: number;
  /** Share of judged requests that must look buffered to flag the run. Default 0.5. */
  readonly flagShare?: number;
}

export interface RequestBuffering {
  readonly judged: boolean;
  readonly buffered: boolean;
  /** Distinct arrival stamps among the content deltas (events of one read share a stamp). */
  readonly distinct_arrivals: number;
  /** (t_last − t_first) / E2EL. */
  readonly spread_share: number | null;
}

export interface BufferingFinding {
  readonly flagged: boolean;
  readonly judged: number;
  readonly buffered: number;
  readonly detail: string;
  /** x-request-id of a few buffered requests (see requests.jsonl). */
  readonly examples: readonly string[];
}

/** Judge one request. */
export function detectRequestBuffering(m: RequestMarks, options: BufferingOptions = {}): RequestBuffering {
  const minDeltas = options.minDeltas ?? 3;
  const maxSpread = options.maxSpreadShare ?? 0.05;
  const minE2el = options.minE2elMs ?? 20;
  const times = m.content_t_ms;
  const distinct = new Set(times).size;
  if (m.failure !== null || times.length < minDeltas || m.t_first_ms === null || m.t_last_ms === null || m.t_last_ms < minE2el) {
    return { judged: false, buffered: false, distinct_arrivals: distinct, spread_share: null };
  }
  const spreadShare = (m.t_last_ms - m.t_first_ms) / m.t_last_ms;
  // One or two reads for many deltas, deltas squeezed into the last few % of the response, or a few big bursts.
  const buffered = distinct <= 2 || spreadShare <= maxSpread || times.length / distinct >= (options.maxDeltasPerRead ?? 8);
  return { judged: true, buffered, distinct_arrivals: distinct, spread_share: spreadShare };
}

/** Judge a run: flagged when at least `flagShare` of the judged requests arrived in one burst. */
export function detectBuffering(marks: readonly RequestMarks[], options: BufferingOptions = {}): BufferingFinding {
  const flagShare = options.flagShare ?? 0.5;
  let judged = 0;
  let buffered = 0;
  const examples: string[] = [];
  let deltas = 0;
  for (const m of marks) {
    const r = detectRequestBuffering(m, options);
    if (!r.judged) continue;
    judged += 1;
    if (r.buffered) {
      buffered += 1;
      deltas += m.content_t_ms.length;
      if (examples.length < 3) examples.push(m.request_id);
    }
  }
  const flagged = judged > 0 && buffered / judged >= flagShare;
  const detail = flagged
    ? `${buffered} of ${judged} streams arrived in bursts (~${Math.round(deltas / buffered)} deltas per stream in a few reads; TTFT ≈ E2EL for short answers): ` +
      'something in the path buffers the SSE body (nginx proxy_buffering, mitmproxy without stream=True); TTFT here is a buffer fill, not the model\'s first token'
    : judged === 0
      ? 'no stream long enough to judge'
      : `${buffered} of ${judged} streams arrived in one burst; streaming looks incremental`;
  return { flagged, judged, buffered, detail, examples };
}

/**
 * A flagged finding as a verdict row ('warn': the run's TTFT is the whole
 * response time, not the model's), so it shows next to the targets; null when
 * streaming looked incremental.
 */
export function bufferingVerdict(finding: BufferingFinding, emulated: boolean): PerfVerdict | null {
  if (!finding.flagged) return null;
  return {
    metric: 'stream_buffering',
    measured: finding.judged === 0 ? null : finding.buffered / finding.judged,
    documented: 'incremental SSE (Claude Code streams)',
    ceiling: null,
    status: 'warn',
    detail: `${emulated ? 'EMULATED: ' : ''}${finding.detail}`,
    ...(emulated ? { emulated: true } : {}),
  };
}
