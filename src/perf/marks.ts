/**
 * The timing marks of one request, read from its Observation after the run
 * (never in the hot loop). Two wire protocols: the Anthropic Messages API
 * (`messages`, what gateways speak) and OpenAI chat completions (`chat`, what
 * a vLLM backend speaks when measured directly). Pure.
 */
import { bodyJson, eventType, isCommentEvent, isEventStream, parseEventJson } from '../client/index.ts';
import type { Observation, SseEvent } from '../types.ts';

/** Which API the request spoke. */
export type WireProtocol = 'messages' | 'chat';

/** Everything later metrics need, in ms after t0 (null when the mark never happened). */
export interface RequestMarks {
  readonly request_id: string;
  readonly t0_epoch_ms: number;
  readonly t_hdr_ms: number | null;
  /** First byte of `message_start` (chat: the first data chunk). */
  readonly t_msgstart_ms: number | null;
  /** First non-empty content delta: text, thinking or tool-call arguments. */
  readonly t_first_ms: number | null;
  /** First non-empty text delta. */
  readonly t_first_text_ms: number | null;
  /** Start of the first tool_use block (chat: the first tool_calls delta). */
  readonly t_first_tool_ms: number | null;
  /** Last non-empty content delta. */
  readonly t_last_ms: number | null;
  /** `message_stop` (chat: `[DONE]`), else the end of the stream. */
  readonly t_stop_ms: number | null;
  /** The response ended or failed. */
  readonly t_end_ms: number | null;
  /** Arrival of each non-empty content delta, in order (for ITL and the buffering detector). */
  readonly content_t_ms: readonly number[];
  /** Index in `Observation.events` of each non-empty content delta (parallel to content_t_ms). */
  readonly content_event_index: readonly number[];
  /** Output tokens as the server reported them (final usage), null when absent. */
  readonly usage_output_tokens: number | null;
  /** Non-empty content deltas counted by the client (the fallback token count). */
  readonly counted_output_tokens: number;
  readonly input_tokens: number | null;
  /**
   * Whole prompt as the server counted it: Anthropic input + cache read +
   * cache creation (input_tokens excludes cached tokens there); OpenAI prompt_tokens.
   */
  readonly prompt_tokens: number | null;
  readonly cache_read_input_tokens: number | null;
  readonly cache_creation_input_tokens: number | null;
  readonly stop_reason: string | null;
  /** Why the request failed (a key of errors_by_kind), 'cancelled' when we aborted it, null when it succeeded. */
  readonly failure: string | null;
  readonly failure_detail: string | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const CONTENT_FIELD: Readonly<Record<string, string>> = {
  text_delta: 'text',
  thinking_delta: 'thinking',
  input_json_delta: 'partial_json',
};

/** Read the marks of one observation. */
export function extractMarks(o: Observation, protocol: WireProtocol = 'messages'): RequestMarks {
  const m: Mutable<RequestMarks> = {
    request_id: o.request_id,
    t0_epoch_ms: o.t0_epoch_ms,
    t_hdr_ms: o.t_hdr_ms,
    t_msgstart_ms: null,
    t_first_ms: null,
    t_first_text_ms: null,
    t_first_tool_ms: null,
    t_last_ms: null,
    t_stop_ms: null,
    t_end_ms: o.t_end_ms,
    content_t_ms: [],
    content_event_index: [],
    usage_output_tokens: null,
    counted_output_tokens: 0,
    input_tokens: null,
    prompt_tokens: null,
    cache_read_input_tokens: null,
    cache_creation_input_tokens: null,
    stop_reason: null,
    failure: null,
    failure_detail: null,
  };
  const times: number[] = [];
  const indices: number[] = [];
  let streamError: string | null = null;
  if (isEventStream(o)) {
    streamError = protocol === 'messages' ? readMessagesStream(o.events, m, times, indices) : readChatStream(o.events, m, times, indices);
  } else if (o.status !== null && o.status >= 200 && o.status < 300) {
    readWholeBody(o, m, protocol);
  }
  m.content_t_ms = times;
  m.content_event_index = indices;
  m.counted_output_tokens = times.length;
  if (protocol === 'messages' && m.input_tokens !== null) {
    m.prompt_tokens = m.input_tokens + (m.cache_read_input_tokens ?? 0) + (m.cache_creation_input_tokens ?? 0);
  }
  if (m.t_stop_ms === null && o.error === null) m.t_stop_ms = o.t_end_ms;
  classify(o, m, streamError, isEventStream(o) ? malformedData(o.events) : null);
  return m;
}

/**
 * The first SSE data line that is not JSON (nor `[DONE]`), described, or
 * null. Every data line of both protocols is JSON: one that is not means the
 * stream is broken (a cut line, two events run together), not a quiet skip.
 */
export function malformedData(events: readonly SseEvent[]): string | null {
  for (const [i, e] of events.entries()) {
    if (isCommentEvent(e) || e.data === '' || e.data === '[DONE]') continue;
    if (!parseEventJson(e).ok) return `malformed SSE: event ${i} data is not JSON (${JSON.stringify(e.data.slice(0, 80))})`;
  }
  return null;
}

/** Failure classification: transport errors by kind, then the HTTP status, then in-stream errors. */
function classify(o: Observation, m: Mutable<RequestMarks>, streamError: string | null, malformed: string | null): void {
  if (o.error?.kind === 'aborted') {
    m.failure = 'cancelled';
    m.failure_detail = o.error.message;
  } else if (o.status !== null && (o.status < 200 || o.status >= 300)) {
    m.failure = `http_${o.status}`;
    m.failure_detail = errorMessageOf(o);
  } else if (o.error !== null) {
    m.failure = o.error.kind;
    m.failure_detail = o.error.message;
  } else if (malformed !== null) {
    m.failure = 'protocol';
    m.failure_detail = malformed;
  } else if (streamError !== null) {
    m.failure = 'stream_error';
    m.failure_detail = streamError;
  } else if (!isEventStream(o) && o.body === null) {
    m.failure = 'protocol';
    m.failure_detail = 'no response body';
  } else if (m.t_first_ms === null) {
    // Nothing generated: no TTFT to measure (vLLM: "Never received a valid chunk").
    m.failure = 'empty';
    m.failure_detail = 'the response carried no content';
  }
}

/** Returns the in-stream error message, if the stream carried an `error` event. */
function readMessagesStream(events: readonly SseEvent[], m: Mutable<RequestMarks>, times: number[], indices: number[]): string | null {
  let streamError: string | null = null;
  for (const [i, e] of events.entries()) {
    if (isCommentEvent(e)) continue;
    const type = eventType(e);
    switch (type) {
      case 'message_start': {
        m.t_msgstart_ms ??= e.t_ms;
        const v = json(e);
        readAnthropicUsage(asRecord(asRecord(v?.['message'])?.['usage']), m);
        break;
      }
      case 'content_block_start': {
        const block = asRecord(json(e)?.['content_block']);
        if (block?.['type'] === 'tool_use' || block?.['type'] === 'server_tool_use') m.t_first_tool_ms ??= e.t_ms;
        break;
      }
      case 'content_block_delta': {
        const delta = asRecord(json(e)?.['delta']);
        const deltaType = typeof delta?.['type'] === 'string' ? delta['type'] : '';
        const field = CONTENT_FIELD[deltaType];
        const content = field === undefined ? undefined : delta?.[field];
        if (typeof content !== 'string' || content.length === 0) break;
        times.push(e.t_ms);
        indices.push(i);
        m.t_first_ms ??= e.t_ms;
        if (deltaType === 'text_delta') m.t_first_text_ms ??= e.t_ms;
        m.t_last_ms = e.t_ms;
        break;
      }
      case 'message_delta': {
        const v = json(e);
        const reason = asRecord(v?.['delta'])?.['stop_reason'];
        if (typeof reason === 'string') m.stop_reason = reason;
        readAnthropicUsage(asRecord(v?.['usage']), m);
        break;
      }
      case 'message_stop':
        m.t_stop_ms ??= e.t_ms;
        break;
      case 'error': {
        const err = asRecord(json(e)?.['error']);
        const kind = typeof err?.['type'] === 'string' ? err['type'] : 'error';
        const message = typeof err?.['message'] === 'string' ? err['message'] : e.data.slice(0, 200);
        streamError ??= `${kind}: ${message}`;
        break;
      }
      default:
        break;
    }
  }
  return streamError;
}

/** usage is cumulative: each report overwrites the previous one (never added). */
function readAnthropicUsage(usage: Record<string, unknown> | undefined, m: Mutable<RequestMarks>): void {
  if (usage === undefined) return;
  const out = usage['output_tokens'];
  if (typeof out === 'number') m.usage_output_tokens = out;
  const inp = usage['input_tokens'];
  if (typeof inp === 'number' && (inp > 0 || m.input_tokens === null)) m.input_tokens = inp;
  const read = usage['cache_read_input_tokens'];
  if (typeof read === 'number') m.cache_read_input_tokens = read;
  const created = usage['cache_creation_input_tokens'];
  if (typeof created === 'number') m.cache_creation_input_tokens = created;
}

function readChatStream(events: readonly SseEvent[], m: Mutable<RequestMarks>, times: number[], indices: number[]): string | null {
  let streamError: string | null = null;
  for (const [i, e] of events.entries()) {
    if (isCommentEvent(e)) continue;
    if (e.data === '[DONE]') {
      m.t_stop_ms ??= e.t_ms;
      continue;
    }
    const v = json(e);
    if (v === undefined) continue;
    m.t_msgstart_ms ??= e.t_ms;
    const err = asRecord(v['error']);
    if (err !== undefined) {
      streamError ??= typeof err['message'] === 'string' ? err['message'] : e.data.slice(0, 200);
      continue;
    }
    readChatUsage(asRecord(v['usage']), m);
    const choices = Array.isArray(v['choices']) ? v['choices'] : [];
    const choice = asRecord(choices[0]);
    if (choice === undefined) continue;
    if (typeof choice['finish_reason'] === 'string') m.stop_reason = choice['finish_reason'];
    const delta = asRecord(choice['delta']);
    if (delta === undefined) continue;
    const text = delta['content'];
    const reasoning = delta['reasoning_content'] ?? delta['reasoning'];
    let args = '';
    if (Array.isArray(delta['tool_calls'])) {
      m.t_first_tool_ms ??= e.t_ms;
      for (const call of delta['tool_calls']) {
        const fn = asRecord(asRecord(call)?.['function']);
        if (typeof fn?.['arguments'] === 'string') args += fn['arguments'];
      }
    }
    const hasText = typeof text === 'string' && text.length > 0;
    if (!hasText && !(typeof reasoning === 'string' && reasoning.length > 0) && args.length === 0) continue;
    times.push(e.t_ms);
    indices.push(i);
    m.t_first_ms ??= e.t_ms;
    if (hasText) m.t_first_text_ms ??= e.t_ms;
    m.t_last_ms = e.t_ms;
  }
  return streamError;
}

function readChatUsage(usage: Record<string, unknown> | undefined, m: Mutable<RequestMarks>): void {
  if (usage === undefined) return;
  if (typeof usage['completion_tokens'] === 'number') m.usage_output_tokens = usage['completion_tokens'];
  if (typeof usage['prompt_tokens'] === 'number') {
    m.input_tokens = usage['prompt_tokens'];
    m.prompt_tokens = usage['prompt_tokens'];
  }
  const cached = asRecord(usage['prompt_tokens_details'])?.['cached_tokens'];
  if (typeof cached === 'number') m.cache_read_input_tokens = cached;
}

/**
 * A non-streamed 2xx answer: the whole reply arrived at once, so every mark
 * is the end of the response (TTFT = E2EL, as a user of it would see).
 */
function readWholeBody(o: Observation, m: Mutable<RequestMarks>, protocol: WireProtocol): void {
  const parsed = bodyJson(o);
  if (!parsed.ok) return;
  const v = asRecord(parsed.value);
  if (v === undefined || o.t_end_ms === null) return;
  const t = o.t_end_ms;
  let hasContent = false;
  let hasText = false;
  let hasTool = false;
  if (protocol === 'messages') {
    const content = Array.isArray(v['content']) ? v['content'] : [];
    for (const block of content) {
      const b = asRecord(block);
      if (b?.['type'] === 'text' && typeof b['text'] === 'string' && b['text'].length > 0) hasText = true;
      if (b?.['type'] === 'thinking') hasContent = true;
      if (b?.['type'] === 'tool_use') hasTool = true;
    }
    if (typeof v['stop_reason'] === 'string') m.stop_reason = v['stop_reason'];
    readAnthropicUsage(asRecord(v['usage']), m);
  } else {
    const choice = asRecord((Array.isArray(v['choices']) ? v['choices'] : [])[0]);
    const message = asRecord(choice?.['message']);
    hasText = typeof message?.['content'] === 'string' && message['content'].length > 0;
    hasTool = Array.isArray(message?.['tool_calls']) && message['tool_calls'].length > 0;
    if (typeof choice?.['finish_reason'] === 'string') m.stop_reason = choice['finish_reason'];
    readChatUsage(asRecord(v['usage']), m);
  }
  m.t_msgstart_ms = t;
  if (hasText || hasTool || hasContent) {
    m.t_first_ms = t;
    m.t_last_ms = t;
  }
  if (hasText) m.t_first_text_ms = t;
  if (hasTool) m.t_first_tool_ms = t;
  m.t_stop_ms = t;
}

/** The error message of a non-2xx answer (Anthropic or OpenAI shape), for failure details. */
function errorMessageOf(o: Observation): string {
  const parsed = bodyJson(o);
  if (parsed.ok) {
    const v = asRecord(parsed.value);
    const err = asRecord(v?.['error']);
    const message = err?.['message'] ?? v?.['message'] ?? v?.['detail'];
    if (typeof message === 'string') return message.slice(0, 300);
  }
  return (o.body ?? '').slice(0, 300);
}

function json(e: SseEvent): Record<string, unknown> | undefined {
  const parsed = parseEventJson(e);
  return parsed.ok ? asRecord(parsed.value) : undefined;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
