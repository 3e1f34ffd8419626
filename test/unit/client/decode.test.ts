import { describe, expect, it } from 'vitest';
import {
  bodyJson,
  contentDeltas,
  endedMidFrame,
  eventType,
  frameIsClosed,
  isCommentEvent,
  isEventStream,
  outputTokens,
  parseEventJson,
} from '../../../src/client/decode.ts';
import { SSE_COMMENT_TYPE } from '../../../src/client/sse-framer.ts';
import type { Observation, SseEvent } from '../../../src/types.ts';

function ev(type: string | null, data: unknown, t_ms: number, raw?: string): SseEvent {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return { type, data: text, t_ms, raw: raw ?? `${type === null ? '' : `event: ${type}\n`}data: ${text}\n\n` };
}

function obs(overrides: Partial<Observation>): Observation {
  return {
    request_id: 'r1',
    label: '',
    method: 'POST',
    path: '/v1/messages',
    t0_epoch_ms: 1_700_000_000_000.5,
    t_hdr_ms: 1,
    t_end_ms: 10,
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8' },
    events: [],
    body: null,
    bytes: 0,
    truncated: false,
    error: null,
    ...overrides,
  };
}

describe('decode helpers', () => {
  it('parses event data and bodies without throwing', () => {
    expect(parseEventJson(ev('ping', { type: 'ping' }, 1))).toEqual({ ok: true, value: { type: 'ping' } });
    const bad = parseEventJson(ev('x', '{"a":', 1));
    expect(bad.ok).toBe(false);
    expect(bodyJson(obs({ body: '{"type":"error"}' }))).toEqual({ ok: true, value: { type: 'error' } });
    expect(bodyJson(obs({ body: null }))).toEqual({ ok: false, error: 'no response body' });
  });

  it('recognises event streams and comment frames', () => {
    expect(isEventStream(obs({}))).toBe(true);
    expect(isEventStream(obs({ headers: { 'content-type': 'application/json' } }))).toBe(false);
    expect(isEventStream(obs({ headers: {} }))).toBe(false);
    expect(isCommentEvent({ type: SSE_COMMENT_TYPE, data: '', t_ms: 1, raw: ': ping\n\n' })).toBe(true);
    expect(isCommentEvent(ev('ping', {}, 1))).toBe(false);
  });

  it('tells closed frames from frames flushed at stream end', () => {
    for (const raw of ['data: x\n\n', 'data: x\r\n\r\n', 'data: x\r\r', 'data: x\r\n\r', 'data: x\n\r\n']) {
      expect(frameIsClosed(raw)).toBe(true);
    }
    for (const raw of ['data: x', 'data: x\n', 'data: x\r\n', 'data: x\r', '']) {
      expect(frameIsClosed(raw)).toBe(false);
    }
    expect(endedMidFrame(obs({ events: [ev('a', {}, 1), ev('message_stop', {}, 2, 'event: message_stop\ndata: {}\n')] }))).toBe(true);
    expect(endedMidFrame(obs({ events: [ev('message_stop', {}, 2)] }))).toBe(false);
    expect(endedMidFrame(obs({ events: [] }))).toBe(false);
  });

  it('falls back to data.type only for frames without an event name', () => {
    expect(eventType(ev('message_start', { type: 'other' }, 1))).toBe('message_start');
    expect(eventType(ev(null, { type: 'message_delta' }, 1))).toBe('message_delta');
    expect(eventType(ev(null, '[DONE]', 1))).toBeNull();
  });

  it('extracts content deltas with the content each carries', () => {
    const o = obs({
      events: [
        ev('message_start', { type: 'message_start' }, 1),
        ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '' } }, 2),
        ev('ping', { type: 'ping' }, 3),
        ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }, 4),
        ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'hm' } }, 5),
        ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'signature_delta', signature: 'sig' } }, 6),
        ev(null, { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"a"' } }, 7),
        ev('content_block_delta', '{broken', 8),
      ],
    });
    expect(contentDeltas(o)).toEqual([
      { t_ms: 2, index: 0, delta_type: 'text_delta', text: '' },
      { t_ms: 4, index: 0, delta_type: 'text_delta', text: 'Hi' },
      { t_ms: 5, index: 1, delta_type: 'thinking_delta', text: 'hm' },
      { t_ms: 6, index: 1, delta_type: 'signature_delta', text: '' },
      { t_ms: 7, index: 2, delta_type: 'input_json_delta', text: '{"a"' },
    ]);
  });

  it('reads output tokens from the last message_delta (cumulative, not summed)', () => {
    const o = obs({
      events: [
        ev('message_delta', { type: 'message_delta', usage: { output_tokens: 3 } }, 1),
        ev('message_delta', { type: 'message_delta', usage: { output_tokens: 9 } }, 2),
        ev('message_stop', { type: 'message_stop' }, 3),
      ],
    });
    expect(outputTokens(o)).toBe(9);
    expect(outputTokens(obs({ events: [ev('message_delta', { type: 'message_delta' }, 1)] }))).toBeNull();
  });
});
