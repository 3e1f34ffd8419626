/** Observations built by hand for the catalogue checks' pure judges. */
import type { Observation, SseEvent } from '../../../../src/types.ts';

let next = 0;

/** An Observation with defaults (200, no body, no events) and the given fields. */
export function obs(fields: Partial<Observation> = {}): Observation {
  next += 1;
  return {
    request_id: `req-${next}`,
    label: 'test',
    method: 'POST',
    path: '/v1/messages',
    t0_epoch_ms: 0,
    t_hdr_ms: 5,
    t_end_ms: 10,
    status: 200,
    headers: {},
    events: [],
    body: null,
    bytes: 0,
    truncated: false,
    error: null,
    ...fields,
  };
}

/** A JSON answer. */
export function jsonObs(status: number, body: unknown, headers: Record<string, string> = {}): Observation {
  return obs({ status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

/** An Anthropic error answer. */
export function errorObs(status: number, type: string, message: string, headers: Record<string, string> = {}): Observation {
  return jsonObs(status, { type: 'error', error: { type, message } }, headers);
}

/** A stream answer from frames; `at` gives each frame's arrival time (ms), default 0. */
export function streamObs(events: readonly SseEvent[], fields: Partial<Observation> = {}): Observation {
  return obs({ headers: { 'content-type': 'text/event-stream' }, events, ...fields });
}

/** The same frame arriving at `t_ms`. */
export function at(event: SseEvent, t_ms: number): SseEvent {
  return { ...event, t_ms };
}

/** A Message body. */
export function message(content: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content, stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 10, output_tokens: 3 }, ...extra };
}
