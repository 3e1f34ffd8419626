import { describe, expect, it } from 'vitest';
import { measureAccuracy, parseEventLog } from '../../../src/perf/accuracy.ts';
import { obs } from './observations.ts';

const T0 = 1_700_000_000_000;
const chunk = (content: string | null) => ({ choices: [{ index: 0, delta: content === null ? { role: 'assistant', content: '' } : { content }, finish_reason: null }] });

// Server writes (absolute): headers at +1, role at +100, tokens at +100, +120, +140, usage at +141, done at +142.
const truth = parseEventLog(
  [
    { request_id: 'r1', t_epoch_ms: T0 + 1, kind: 'headers' },
    { request_id: 'r1', t_epoch_ms: T0 + 100, kind: 'chunk' },
    { request_id: 'r1', t_epoch_ms: T0 + 100, kind: 'chunk', token_index: 0 },
    { request_id: 'r1', t_epoch_ms: T0 + 120, kind: 'chunk', token_index: 1 },
    { request_id: 'r1', t_epoch_ms: T0 + 140, kind: 'chunk', token_index: 2 },
    { request_id: 'r1', t_epoch_ms: T0 + 141, kind: 'chunk' },
    { request_id: 'r1', t_epoch_ms: T0 + 142, kind: 'done' },
  ]
    .map((e) => JSON.stringify(e))
    .join('\n') + '\n{"cut":',
);

describe('measurement error against the emulator event log', () => {
  it('parses the log and skips a line cut by a crash', () => {
    expect(truth).toHaveLength(7);
  });

  it('pairs events in order and reports per-event, TTFT and ITL error', () => {
    // Client arrivals (ms after t0 = T0): each event 0.5 ms after its write, the third token 1.5 ms late.
    const o = obs({
      id: 'r1',
      t0: T0,
      hdr: 1.5,
      events: [
        [null, chunk(null), 100.5],
        [null, chunk('a'), 100.5],
        [null, chunk('b'), 120.5],
        [null, chunk('c'), 141.5],
        [null, { choices: [], usage: { completion_tokens: 3 } }, 141.5],
        [null, '[DONE]', 142.5],
      ],
    });
    const r = measureAccuracy([o, obs({ id: 'other', t0: T0 })], truth);
    expect(r).toMatchObject({ requests_matched: 1, requests_unmatched: 1, events_matched: 5 });
    expect(r.event_error_ms.p50).toBeCloseTo(0.5, 9);
    expect(r.event_error_ms.max).toBeCloseTo(1.5, 9);
    expect(r.ttft_error_ms.p50).toBeCloseTo(0.5, 9);
    // gaps: client 20 / 21, server 20 / 20 → errors 0 and 1
    expect(r.itl_error_ms.max).toBeCloseTo(1, 9);
    expect(r.itl_error_ms.p50).toBeCloseTo(0.5, 9);
    expect(r.headers_error_ms.p50).toBeCloseTo(0.5, 9);
  });
});
