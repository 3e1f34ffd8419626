/**
 * Per-session figures for replayed or synthetic Claude Code sessions: the
 * time a user waits per agent turn, session wall time, and prefix-cache hits
 * against what a perfect cache would serve. AIPerf has no such roll-up. Pure.
 */
import type { DistributionStats } from '../types.ts';
import type { MeasuredRequest, RequestMetrics } from './metrics.ts';
import { describe, mean } from './stats.ts';

export interface SessionSummary {
  readonly sessions: number;
  /** Sessions where every request succeeded. */
  readonly sessions_complete: number;
  /** Requests per session (main and side). */
  readonly requests_per_session: DistributionStats;
  /** E2EL of main-turn requests, pooled over sessions. */
  readonly turn_latency_ms: DistributionStats;
  /** First send → last byte of each complete session, seconds (includes think time). */
  readonly session_wall_s: DistributionStats;
  /** Measured Σcache_read / Σprompt per session (sessions whose server reported usage). */
  readonly cache_hit_share: DistributionStats;
  /** The workload's estimate of what a perfect prefix cache would serve, mean over requests. */
  readonly theoretical_cache_share: number | null;
}

/** Roll requests up by `session_id`; null when no session has more than one request. */
export function summarizeSessions(
  pairs: ReadonlyArray<{ readonly req: MeasuredRequest; readonly m: RequestMetrics }>,
  scale = 1,
): SessionSummary | null {
  const bySession = new Map<string, Array<{ req: MeasuredRequest; m: RequestMetrics }>>();
  for (const p of pairs) {
    if (p.req.session_id === undefined || p.m.outcome === 'cancelled') continue;
    const list = bySession.get(p.req.session_id) ?? [];
    list.push(p);
    bySession.set(p.req.session_id, list);
  }
  // One-request "sessions" (synthetic prompts) have nothing to roll up.
  if (bySession.size === 0 || [...bySession.values()].every((list) => list.length === 1)) return null;
  const counts: number[] = [];
  const turns: number[] = [];
  const walls: number[] = [];
  const hits: number[] = [];
  const theoretical: number[] = [];
  let complete = 0;
  for (const list of bySession.values()) {
    counts.push(list.length);
    const allOk = list.every((p) => p.m.outcome === 'ok');
    if (allOk) complete += 1;
    let start = Infinity;
    let end = -Infinity;
    let read = 0;
    let prompt = 0;
    for (const { req, m } of list) {
      if ((req.kind ?? 'main') === 'main' && m.outcome === 'ok' && m.e2el_ms !== null) turns.push(m.e2el_ms);
      start = Math.min(start, m.start_epoch_ms);
      end = Math.max(end, m.end_epoch_ms);
      if (m.prompt_tokens !== null && m.prompt_tokens > 0) {
        prompt += m.prompt_tokens;
        read += m.cache_read_tokens ?? 0;
      }
      if (req.theoretical_cached_share !== undefined) theoretical.push(req.theoretical_cached_share);
    }
    if (allOk) walls.push(((end - start) * scale) / 1000);
    if (prompt > 0) hits.push(read / prompt);
  }
  return {
    sessions: bySession.size,
    sessions_complete: complete,
    requests_per_session: describe(counts),
    turn_latency_ms: describe(turns),
    session_wall_s: describe(walls),
    cache_hit_share: describe(hits),
    theoretical_cache_share: theoretical.length > 0 ? mean(theoretical) : null,
  };
}
