import { describe, expect, it } from 'vitest';
import { TargetDeathWatch, deathLine } from '../../../src/perf/target-death.ts';
import type { Observation, ObservationErrorKind } from '../../../src/types.ts';

const obs = (status: number | null, kind: ObservationErrorKind | null = null): Observation => ({
  request_id: 'r',
  label: 'x',
  method: 'POST',
  path: '/v1/chat/completions',
  t0_epoch_ms: 1,
  t_hdr_ms: null,
  t_end_ms: 1,
  status,
  headers: {},
  events: [],
  body: null,
  bytes: 0,
  truncated: false,
  error: kind === null ? null : { kind, message: `${kind} ECONNREFUSED` },
});

describe('TargetDeathWatch', () => {
  it('declares death once, after 3 refusals in a row, counting answers before', () => {
    const w = new TargetDeathWatch();
    expect(w.observe(obs(200))).toBeNull();
    expect(w.observe(obs(500))).toBeNull();
    expect(w.observe(obs(null, 'connect'))).toBeNull();
    expect(w.observe(obs(null, 'connect'))).toBeNull();
    const d = w.observe(obs(null, 'connect'));
    expect(d).toEqual({ answered_before: 2, refused: 3, last_error: 'connect ECONNREFUSED' });
    expect(w.observe(obs(null, 'connect'))).toBeNull();
    expect(w.verdict).toEqual(d);
    expect(deathLine(d!, 'http://x')).toMatch(/^claude-bench: TARGET DIED: http:\/\/x refused 3 .*exit 3\)$/);
  });

  it('an answer in between resets the count; cancelled requests do not', () => {
    const w = new TargetDeathWatch();
    w.observe(obs(null, 'connect'));
    w.observe(obs(null, 'connect'));
    w.observe(obs(200));
    w.observe(obs(null, 'connect'));
    w.observe(obs(null, 'aborted'));
    expect(w.observe(obs(null, 'connect'))).toBeNull();
    expect(w.observe(obs(null, 'connect'))).not.toBeNull();
  });

  it('timeouts and resets are not death', () => {
    const w = new TargetDeathWatch(2);
    for (let i = 0; i < 5; i++) expect(w.observe(obs(null, i % 2 ? 'timeout' : 'reset'))).toBeNull();
  });
});
