import type { Observation, SseEvent } from '../types.ts';
import { SSE_COMMENT_TYPE } from './sse-framer.ts';

/** Result of a JSON decode that must not throw. */
export type JsonResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Parse an event's `data` as JSON. */
export function parseEventJson(e: SseEvent): JsonResult {
  return parseJson(e.data);
}

/** Parse a non-SSE response body as JSON (`ok: false` when there is no body). */
export function bodyJson(o: Observation): JsonResult {
  if (o.body === null) return { ok: false, error: 'no response body' };
  return parseJson(o.body);
}

/** True when the response declared `content-type: text/event-stream`. */
export function isEventStream(o: Observation): boolean {
  return (o.headers['content-type'] ?? '').trimStart().toLowerCase().startsWith('text/event-stream');
}

/** True for a frame made only of `:` comment lines (a ping some servers send). */
export function isCommentEvent(e: SseEvent): boolean {
  return e.type === SSE_COMMENT_TYPE;
}

/** True when a frame's raw text ends with the blank line that closes an SSE frame. */
export function frameIsClosed(raw: string): boolean {
  const n = raw.length;
  const last = raw.charCodeAt(n - 1);
  if (last !== 10 && last !== 13) return false;
  // Step over one terminator (CRLF counts as one), then require another before it.
  const beforeLast = last === 10 && raw.charCodeAt(n - 2) === 13 ? n - 3 : n - 2;
  const prev = raw.charCodeAt(beforeLast);
  return prev === 10 || prev === 13;
}

/**
 * True when the stream's last event was not closed by a blank line (the
 * framer flushed it at stream end): a conformance finding, not a failure.
 */
export function endedMidFrame(o: Observation): boolean {
  const last = o.events[o.events.length - 1];
  return last !== undefined && !frameIsClosed(last.raw);
}

/**
 * The event's type as a client would dispatch it: the SSE `event:` name, or
 * `data.type` for frames without one (lenient, for measuring; conformance
 * flags such frames separately).
 */
export function eventType(e: SseEvent): string | null {
  if (e.type !== null) return e.type;
  const parsed = parseEventJson(e);
  if (parsed.ok && isRecord(parsed.value) && typeof parsed.value['type'] === 'string') return parsed.value['type'];
  return null;
}

/** One `content_block_delta`, reduced to what timing needs. */
export interface ContentDelta {
  readonly t_ms: number;
  /** Block index (-1 when missing). */
  readonly index: number;
  /** `delta.type`, e.g. `text_delta`, `input_json_delta`, `signature_delta`. */
  readonly delta_type: string;
  /**
   * The content the delta carries: `text`, `thinking` or `partial_json`; ''
   * for other delta types. TTFT is the first delta whose `text` is non-empty.
   */
  readonly text: string;
}

const CONTENT_FIELD: Readonly<Record<string, string>> = {
  text_delta: 'text',
  thinking_delta: 'thinking',
  input_json_delta: 'partial_json',
};

/** Every parseable `content_block_delta` of an SSE observation, in arrival order. */
export function contentDeltas(o: Observation): ContentDelta[] {
  const out: ContentDelta[] = [];
  for (const e of o.events) {
    if (e.type !== 'content_block_delta' && e.type !== null) continue;
    const parsed = parseEventJson(e);
    if (!parsed.ok || !isRecord(parsed.value)) continue;
    const value = parsed.value;
    if (e.type === null && value['type'] !== 'content_block_delta') continue;
    const delta = value['delta'];
    if (!isRecord(delta)) continue;
    const deltaType = typeof delta['type'] === 'string' ? delta['type'] : '';
    const field = CONTENT_FIELD[deltaType];
    const content = field === undefined ? undefined : delta[field];
    out.push({
      t_ms: e.t_ms,
      index: typeof value['index'] === 'number' ? value['index'] : -1,
      delta_type: deltaType,
      text: typeof content === 'string' ? content : '',
    });
  }
  return out;
}

/**
 * `usage.output_tokens` of the last `message_delta` (cumulative, so the last
 * one is the total), or null when no message_delta carried a number.
 */
export function outputTokens(o: Observation): number | null {
  for (let i = o.events.length - 1; i >= 0; i--) {
    const e = o.events[i] as SseEvent;
    if (eventType(e) !== 'message_delta') continue;
    const parsed = parseEventJson(e);
    if (!parsed.ok || !isRecord(parsed.value)) continue;
    const usage = parsed.value['usage'];
    if (isRecord(usage) && typeof usage['output_tokens'] === 'number') return usage['output_tokens'];
  }
  return null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
