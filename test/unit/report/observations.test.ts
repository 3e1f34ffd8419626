import { describe, expect, it } from 'vitest';
import { citedRequestIds, formatObservation, parseObservationLines, requestTexts } from '../../../src/report/observations.ts';
import type { Observation } from '../../../src/types.ts';
import { sampleResult, verdict } from '../../support/sample-result.ts';

function obs(id: string, overrides: Partial<Observation> = {}): Observation {
  return {
    request_id: id,
    label: 'stream-text',
    method: 'POST',
    path: '/v1/messages',
    t0_epoch_ms: Date.UTC(2026, 10, 27, 3, 0, 0),
    t_hdr_ms: 12.5,
    t_end_ms: 40,
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    events: [
      { type: 'message_start', data: '{"type":"message_start"}', t_ms: 13, raw: 'event: message_start\ndata: {"type":"message_start"}\n\n' },
      { type: null, data: '[DONE]', t_ms: 39.25, raw: '' },
    ],
    body: null,
    bytes: 120,
    truncated: false,
    error: null,
    ...overrides,
  };
}

const result = sampleResult([
  verdict({ id: 'A', status: 'pass', request_ids: ['p1'] }),
  verdict({ id: 'B', status: 'fail', request_ids: ['f1', 'f2'] }),
  verdict({ id: 'C', status: 'warn', request_ids: ['f2', 'w1'] }),
]);

describe('requests behind failing checks', () => {
  it('cites the ids of failing, erroring and warning checks only, once each', () => {
    expect(citedRequestIds([result])).toEqual(['f1', 'f2', 'w1']);
  });

  it('picks matching lines from requests.jsonl and skips torn or foreign lines', () => {
    const jsonl = [JSON.stringify(obs('p1')), JSON.stringify(obs('f1')), '{"request_id":"f2","events":[', 'not json', ''].join('\n');
    const found = parseObservationLines(jsonl, new Set(['f1', 'f2']));
    expect([...found.keys()]).toEqual(['f1']);
  });

  it('formats a request as readable text: request line, outcome, headers, each event with its time', () => {
    const text = formatObservation(obs('f1'));
    expect(text).toBe(
      [
        'POST /v1/messages',
        'request_id f1 · label stream-text · sent 2026-11-27T03:00:00.000Z',
        '→ HTTP 200 · headers at 12.5 ms · end at 40.0 ms · 120 bytes',
        '',
        'content-type: text/event-stream',
        '',
        '2 SSE event(s):',
        '[+13.0 ms]',
        'event: message_start\ndata: {"type":"message_start"}',
        '[+39.3 ms]',
        'data: [DONE]',
      ].join('\n'),
    );
    const failed = formatObservation(obs('e', { status: null, events: [], body: '{"error":{"type":"x"}}', error: { kind: 'reset', message: 'socket hang up' } }));
    expect(failed).toContain('→ no HTTP status');
    expect(failed).toContain('error: reset: socket hang up');
    expect(failed).toContain('{\n  "error": {\n    "type": "x"\n  }\n}');
  });

  it('bounds each request and the total, pointing to requests.jsonl for what is left out', () => {
    const big = obs('f1', { events: [], body: 'x'.repeat(5000) });
    const lines = [big, obs('f2', { events: [], body: 'y'.repeat(5000) }), obs('w1')].map((o) => JSON.stringify(o)).join('\n');
    const texts = requestTexts([result], [lines], { perRequest: 1000, total: 1500 });
    expect(texts['f1']?.length).toBeLessThan(1100);
    expect(texts['f1']).toMatch(/more characters: see requests.jsonl\]$/);
    expect(texts['f2']?.length).toBeLessThanOrEqual(600);
    expect(texts['w1']).toMatch(/^\(left out to keep the report small/);
    expect(requestTexts([sampleResult([verdict()])], [lines])).toEqual({});
  });
});
