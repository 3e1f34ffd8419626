/**
 * The harness's measurement error against ground truth: the emulator logs
 * the absolute time it wrote each event (EmulatorEvent, one JSON line each),
 * the client records when each event's first byte arrived; matched by
 * request id (the client's x-request-id), event by event in order. Pure
 * except `readEventLog`.
 *
 * Figures: per-event error (client arrival − server write, both absolute
 * wall-clock ms from performance.timeOrigin + now(), so it includes any
 * offset between the two processes' origins, normally µs); TTFT error (the
 * same at the first content event); ITL error (client gap − server gap, free
 * of any clock offset).
 */
import { readFile } from 'node:fs/promises';
import { isCommentEvent } from '../client/index.ts';
import type { EmulatorEvent } from '../emulator/options.ts';
import type { Observation } from '../types.ts';
import type { WireProtocol } from './marks.ts';
import { extractMarks } from './marks.ts';
import { describe, percentile } from './stats.ts';

export interface AccuracyReport {
  readonly requests_matched: number;
  /** Requests sent that have no ground truth (the id did not reach the emulator, or no log). */
  readonly requests_unmatched: number;
  readonly events_matched: number;
  /** Signed client − server, ms. */
  readonly event_error_ms: { readonly mean: number; readonly p50: number; readonly p99: number; readonly max: number };
  /** |error| at the first content event, ms. */
  readonly ttft_error_ms: { readonly p50: number; readonly p99: number; readonly max: number };
  /** |client gap − server gap| between consecutive content events, ms. */
  readonly itl_error_ms: { readonly p50: number; readonly p99: number; readonly max: number };
  /** |client headers − server headers|, ms. */
  readonly headers_error_ms: { readonly p50: number; readonly p99: number };
}

/** Parse an emulator event log (JSON Lines); malformed lines are skipped. */
export function parseEventLog(text: string): EmulatorEvent[] {
  const out: EmulatorEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as Partial<EmulatorEvent>;
      if (typeof v.request_id === 'string' && typeof v.t_epoch_ms === 'number' && (v.kind === 'headers' || v.kind === 'chunk' || v.kind === 'done')) {
        out.push(v as EmulatorEvent);
      }
    } catch {
      // a line cut by a crash: ignore it
    }
  }
  return out;
}

/** Read an event log file; [] when it does not exist. */
export async function readEventLog(file: string): Promise<EmulatorEvent[]> {
  try {
    return parseEventLog(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Match observations against ground truth. Data events pair with the
 * emulator's `chunk` writes in order (comments and the `[DONE]` trailer,
 * logged as `done`, pair separately). Works for the OpenAI chat stream the
 * emulator writes; a gateway re-frames events, so use it on direct traffic.
 */
export function measureAccuracy(observations: readonly Observation[], truth: readonly EmulatorEvent[], protocol: WireProtocol = 'chat'): AccuracyReport {
  const byId = new Map<string, EmulatorEvent[]>();
  for (const e of truth) {
    const list = byId.get(e.request_id) ?? [];
    list.push(e);
    byId.set(e.request_id, list);
  }
  const eventErr: number[] = [];
  const ttftErr: number[] = [];
  const itlErr: number[] = [];
  const hdrErr: number[] = [];
  let matched = 0;
  let unmatched = 0;
  for (const o of observations) {
    const server = byId.get(o.request_id);
    if (server === undefined || o.error !== null) {
      unmatched += 1;
      continue;
    }
    matched += 1;
    const chunks = server.filter((e) => e.kind === 'chunk').map((e) => e.t_epoch_ms);
    const headers = server.find((e) => e.kind === 'headers');
    if (headers !== undefined && o.t_hdr_ms !== null) hdrErr.push(Math.abs(o.t0_epoch_ms + o.t_hdr_ms - headers.t_epoch_ms));
    // Data events in order pair with chunk writes; remember each one's index in o.events.
    const data: number[] = [];
    for (const [i, e] of o.events.entries()) if (!isCommentEvent(e) && e.data !== '[DONE]') data.push(i);
    const n = Math.min(chunks.length, data.length);
    const pairOf = new Map<number, number>();
    for (let k = 0; k < n; k++) {
      const idx = data[k] as number;
      const c = o.t0_epoch_ms + (o.events[idx]?.t_ms ?? 0);
      pairOf.set(idx, k);
      eventErr.push(c - (chunks[k] as number));
    }
    let prev: { c: number; s: number } | null = null;
    for (const idx of extractMarks(o, protocol).content_event_index) {
      const k = pairOf.get(idx);
      if (k === undefined) continue;
      const c = o.t0_epoch_ms + (o.events[idx]?.t_ms ?? 0);
      const s = chunks[k] as number;
      if (prev === null) ttftErr.push(Math.abs(c - s));
      else itlErr.push(Math.abs(c - prev.c - (s - prev.s)));
      prev = { c, s };
    }
  }
  const d = describe(eventErr);
  const abs = (xs: number[]) => ({ p50: xs.length ? percentile(xs, 50) : 0, p99: xs.length ? percentile(xs, 99) : 0, max: xs.length ? Math.max(...xs) : 0 });
  return {
    requests_matched: matched,
    requests_unmatched: unmatched,
    events_matched: eventErr.length,
    event_error_ms: { mean: d.mean, p50: d.p50, p99: d.p99, max: d.max },
    ttft_error_ms: abs(ttftErr),
    itl_error_ms: abs(itlErr),
    headers_error_ms: { p50: hdrErr.length ? percentile(hdrErr, 50) : 0, p99: hdrErr.length ? percentile(hdrErr, 99) : 0 },
  };
}
