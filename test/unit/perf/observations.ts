/** Hand-made Observations for the perf unit tests: every time is chosen so results can be computed by hand. */
import type { Observation, ObservationError, SseEvent } from '../../../src/types.ts';

/** [event type, data object or raw string, t_ms]. */
export type Ev = readonly [string | null, unknown, number];

export function ev(type: string | null, data: unknown, t_ms: number): SseEvent {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const raw = `${type !== null ? `event: ${type}\n` : ''}data: ${text}\n\n`;
  return { type, data: text, t_ms, raw };
}

interface ObsInput {
  readonly id: string;
  readonly t0: number;
  readonly hdr?: number | null;
  readonly end?: number | null;
  readonly status?: number | null;
  readonly events?: readonly Ev[];
  readonly body?: string | null;
  readonly error?: ObservationError | null;
  readonly contentType?: string;
}

export function obs(input: ObsInput): Observation {
  const events = (input.events ?? []).map(([t, d, ms]) => ev(t, d, ms));
  const sse = input.body === undefined || input.body === null;
  return {
    request_id: input.id,
    label: 'test',
    method: 'POST',
    path: '/v1/messages',
    t0_epoch_ms: input.t0,
    t_hdr_ms: input.hdr === undefined ? 5 : input.hdr,
    t_end_ms: input.end === undefined ? (events.at(-1)?.t_ms ?? 10) : input.end,
    status: input.status === undefined ? 200 : input.status,
    headers: { 'content-type': input.contentType ?? (sse ? 'text/event-stream' : 'application/json') },
    events,
    body: input.body ?? null,
    bytes: 0,
    truncated: false,
    error: input.error ?? null,
  };
}

export const text = (t: string, index = 0) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } });
export const json = (t: string, index = 0) => ({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: t } });
export const msgStart = (input: number, extra: Record<string, number> = {}) => ({
  type: 'message_start',
  message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: input, output_tokens: 1, ...extra } },
});
export const msgDelta = (out: number, reason = 'end_turn') => ({ type: 'message_delta', delta: { stop_reason: reason }, usage: { output_tokens: out } });
