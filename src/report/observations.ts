/**
 * The requests behind failing checks, for the HTML report: picked from
 * requests.jsonl by the request ids the verdicts cite, formatted as plain
 * text (the page shows them with textContent), and bounded in size so a
 * report stays attachable. Pure.
 */
import type { CheckStatus, Observation, RunResult } from '../types.ts';

/** Size bounds of the inlined requests. */
export interface RequestTextBounds {
  /** Characters kept per request. */
  readonly perRequest: number;
  /** Characters kept over all requests. */
  readonly total: number;
}

export const DEFAULT_REQUEST_TEXT_BOUNDS: RequestTextBounds = { perRequest: 24_000, total: 400_000 };

/** Checks whose requests are worth showing: the ones a user has to look into. */
const SHOWN: ReadonlySet<CheckStatus> = new Set(['fail', 'error', 'warn']);

/** Request ids cited by failing, erroring or warning checks, in check order, without repeats. */
export function citedRequestIds(results: readonly RunResult[]): string[] {
  const ids = new Set<string>();
  for (const r of results) {
    for (const v of r.conformance?.checks ?? []) {
      if (SHOWN.has(v.status)) for (const id of v.request_ids ?? []) ids.add(id);
    }
  }
  return [...ids];
}

function isObservationLike(value: unknown): value is Observation {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return typeof o['request_id'] === 'string' && Array.isArray(o['events']);
}

/**
 * The observations among `jsonl` lines whose request_id is in `wanted`.
 * Lines that are not JSON (a torn last line after a crash) are skipped.
 */
export function parseObservationLines(jsonl: string, wanted: ReadonlySet<string>): Map<string, Observation> {
  const out = new Map<string, Observation>();
  for (const line of jsonl.split('\n')) {
    if (line.trim() === '') continue;
    // Cheap pre-filter: only parse lines that can match.
    const idMatch = /"request_id":"([^"]+)"/.exec(line);
    if (!idMatch || !wanted.has(idMatch[1] ?? '')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isObservationLike(value)) out.set(value.request_id, value);
    } catch {
      // a torn line: nothing to show for it
    }
  }
  return out;
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function ms(v: number | null): string {
  return v === null ? '–' : `${v.toFixed(1)} ms`;
}

/** An observation as readable text: request line, outcome, headers, then the body or every SSE event with its arrival time. */
export function formatObservation(o: Observation): string {
  const lines: string[] = [];
  lines.push(`${o.method} ${o.path}`);
  const sent = Number.isFinite(o.t0_epoch_ms) ? new Date(o.t0_epoch_ms).toISOString() : 'unknown';
  lines.push(`request_id ${o.request_id} · label ${o.label} · sent ${sent}`);
  const status = o.status === null ? 'no HTTP status' : `HTTP ${o.status}`;
  lines.push(`→ ${status} · headers at ${ms(o.t_hdr_ms)} · end at ${ms(o.t_end_ms)} · ${o.bytes} bytes${o.truncated ? ' (truncated by the client)' : ''}`);
  if (o.error) lines.push(`error: ${o.error.kind}: ${o.error.message}`);
  const headers = Object.entries(o.headers);
  if (headers.length > 0) {
    lines.push('');
    for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  }
  if (o.events.length > 0) {
    lines.push('', `${o.events.length} SSE event(s):`);
    for (const e of o.events) {
      const frame = e.raw !== '' ? e.raw.replace(/\n+$/, '') : `${e.type === null ? '' : `event: ${e.type}\n`}data: ${e.data}`;
      lines.push(`[+${e.t_ms.toFixed(1)} ms]`, frame);
    }
  } else if (o.body !== null && o.body !== '') {
    lines.push('', pretty(o.body));
  }
  return lines.join('\n');
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n… [${text.length - max} more characters: see requests.jsonl]`;
}

/**
 * Formatted text of each cited request found in the given requests.jsonl
 * contents, bounded per request and in total; ids past the total bound
 * get a pointer to requests.jsonl instead.
 */
export function requestTexts(
  results: readonly RunResult[],
  jsonlContents: readonly string[],
  bounds: RequestTextBounds = DEFAULT_REQUEST_TEXT_BOUNDS,
): Record<string, string> {
  const ids = citedRequestIds(results);
  if (ids.length === 0) return {};
  const wanted = new Set(ids);
  const found = new Map<string, Observation>();
  for (const text of jsonlContents) for (const [id, o] of parseObservationLines(text, wanted)) found.set(id, o);
  const out: Record<string, string> = {};
  let used = 0;
  for (const id of ids) {
    const o = found.get(id);
    if (!o) continue;
    const room = bounds.total - used;
    if (room <= 0) {
      out[id] = `(left out to keep the report small: request ${id} is in requests.jsonl)`;
      continue;
    }
    const text = cut(formatObservation(o), Math.min(bounds.perRequest, room));
    out[id] = text;
    used += text.length;
  }
  return out;
}
