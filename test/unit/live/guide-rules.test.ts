import { describe, expect, it } from 'vitest';
import { e2elMs, judgeLatency, judgeStreamTiming } from '../../../src/conform/checks/guide.ts';
import type { Observation, SseEvent } from '../../../src/types.ts';

function event(type: string, data: object, t_ms: number): SseEvent {
  return { type, data: JSON.stringify(data), t_ms, raw: `event: ${type}\ndata: ${JSON.stringify(data)}\n\n` };
}

/** A streamed text answer whose deltas arrive at `times`. */
function stream(label: string, times: readonly number[], status = 200): Observation {
  const events = [
    event('message_start', { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 5, output_tokens: 0 } } }, times[0] ?? 0),
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, times[0] ?? 0),
    ...times.map((t, i) => event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ` ${i}` } }, t)),
    event('message_stop', { type: 'message_stop' }, (times[times.length - 1] ?? 0) + 1),
  ];
  return { request_id: label, label, method: 'POST', path: '/v1/messages', t0_epoch_ms: 0, t_hdr_ms: 1, t_end_ms: (times[times.length - 1] ?? 0) + 1, status, headers: {}, events, body: null, bytes: 100, truncated: false, error: null };
}

const spread = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);

describe('judgeStreamTiming', () => {
  it('passes deltas spread over the response', () => {
    expect(judgeStreamTiming(stream('s', spread(40, 50, 15))).status).toBe('pass');
  });
  it('fails deltas delivered in one lump at the end', () => {
    const v = judgeStreamTiming(stream('s', spread(40, 640, 0.02)));
    expect(v.status).toBe('fail');
    expect(v.detail).toContain('TTFT 640 ms, E2EL 641 ms');
  });
  it('warns when it cannot tell: too few deltas, or too fast overall', () => {
    expect(judgeStreamTiming(stream('s', [100, 200])).status).toBe('warn');
    expect(judgeStreamTiming(stream('s', spread(10, 20, 0.1))).status).toBe('warn');
  });
});

describe('judgeLatency', () => {
  it('names the slowest answered response and compares it with the bound', () => {
    const fast = stream('fast', spread(5, 10, 10));
    const slow = stream('slow', spread(5, 1000, 100));
    expect(e2elMs(slow)).toBe(1400);
    expect(judgeLatency([fast, slow], 30_000)).toMatchObject({ status: 'pass' });
    const over = judgeLatency([fast, slow], 1000);
    expect(over.status).toBe('fail');
    expect(over.detail).toContain('slow in 1400 ms');
  });
  it('ignores refused requests, fails on timeouts, skips when nothing was answered', () => {
    const refused = { ...stream('refused', [5]), status: 400, events: [], body: '{}' };
    expect(judgeLatency([refused], 1000).status).toBe('skip');
    const timedOut = { ...refused, status: null, error: { kind: 'timeout' as const, message: 'idle' } };
    expect(judgeLatency([timedOut], 1000).status).toBe('fail');
  });
});
