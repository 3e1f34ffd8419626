import { describe, expect, it } from 'vitest';
import { checkStream, VIOLATION_RULES, type StreamViolationCode } from '../../../src/conform/stream-checker.ts';
import type { SseEvent } from '../../../src/types.ts';
import {
  blockStop,
  dataOnly,
  ev,
  goodTextStream,
  goodToolStream,
  jsonDelta,
  messageDelta,
  messageStart,
  messageStop,
  ping,
  textDelta,
  textStart,
  toolStart,
} from './sse-fixtures.ts';

const codes = (events: SseEvent[]): StreamViolationCode[] => checkStream(events).map((v) => v.code);

describe('checkStream on correct streams', () => {
  it('finds nothing wrong in a text stream with pings', () => {
    expect(checkStream(goodTextStream())).toEqual([]);
  });

  it('finds nothing wrong in a text-then-tool stream', () => {
    expect(checkStream(goodToolStream())).toEqual([]);
  });

  it('skips SSE comment frames and unknown event types', () => {
    const comment: SseEvent = { type: ':comment', data: '', t_ms: 0, raw: ': keep-alive\n\n' };
    const events = goodTextStream();
    events.splice(3, 0, comment, ev('future_event', { whatever: 1 }));
    expect(checkStream(events)).toEqual([]);
  });
});

describe('checkStream violations (one per hand-made defect)', () => {
  const cases: [string, SseEvent[], StreamViolationCode, RegExp][] = [
    ['data-only frames', goodTextStream().map((e) => dataOnly(e.data)), 'frame-without-event', /no "event:" line/],
    ['event name differs from data.type', [messageStart(), { ...textStart(0), type: 'delta' }, blockStop(0), messageDelta(), messageStop()], 'event-name-mismatch', /event name "delta"/],
    ['invalid JSON data', [messageStart(), textStart(0), { type: 'content_block_delta', data: '{"type":"content_bl', t_ms: 0, raw: 'x' }, blockStop(0), messageDelta(), messageStop()], 'invalid-json', /not a JSON object/],
    ['event before message_start', [textStart(0), messageStart(), blockStop(0), messageDelta(), messageStop()], 'event-before-message-start', /before message_start/],
    ['second message_start', [messageStart(), messageStart(), messageDelta(), messageStop()], 'duplicate-message-start', /Unexpected event order/],
    ['message_start without usage', [messageStart(null), messageDelta(), messageStop()], 'message-start-missing-usage', /setting 'output_tokens'/],
    ['delta for a block never started', [messageStart(), textDelta(0, 'x'), messageDelta(), messageStop()], 'block-not-found', /Content block not found/],
    ['delta after the block stopped', [messageStart(), textStart(0), blockStop(0), textDelta(0, 'x'), messageDelta(), messageStop()], 'block-not-found', /after its content_block_stop/],
    ['overlapping blocks', [messageStart(), textStart(0), toolStart(1), blockStop(0), blockStop(1), messageDelta(), messageStop()], 'block-overlap', /still open/],
    ['index not from 0', [messageStart(), textStart(1), blockStop(1), messageDelta(), messageStop()], 'block-index-not-sequential', /where 0 was expected/],
    ['block started twice', [messageStart(), textStart(0), blockStop(0), textStart(0), blockStop(0), messageDelta(), messageStop()], 'block-restarted', /second time/],
    ['block never stopped', [messageStart(), textStart(0), textDelta(0, 'x'), messageDelta(), messageStop()], 'block-not-stopped', /never closed/],
    ['stop for a block not open', [messageStart(), blockStop(0), messageDelta(), messageStop()], 'block-stop-without-start', /not open/],
    ['text_delta into a tool block', [messageStart(), toolStart(0), textDelta(0, 'x'), blockStop(0), messageDelta('tool_use'), messageStop()], 'delta-type-mismatch', /Content block is not a text block/],
    ['input_json_delta into a text block', [messageStart(), textStart(0), jsonDelta(0, '{}'), blockStop(0), messageDelta(), messageStop()], 'delta-type-mismatch', /Content block is not a tool_use block/],
    ['thinking_delta into a text block', [messageStart(), textStart(0), ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'hm' } }), blockStop(0), messageDelta(), messageStop()], 'delta-type-mismatch', /not a thinking block/],
    ['text block start without text', [messageStart(), ev('content_block_start', { index: 0, content_block: { type: 'text' } }), blockStop(0), messageDelta(), messageStop()], 'block-start-incomplete', /text:""/],
    ['no message_delta', [messageStart(), textStart(0), blockStop(0), messageStop()], 'no-message-delta', /without any message_delta/],
    ['message_delta without usage', [messageStart(), messageDelta('end_turn', null), messageStop()], 'message-delta-missing-usage', /reading 'output_tokens'/],
    ['message_delta without output_tokens', [messageStart(), messageDelta('end_turn', { input_tokens: 3 }), messageStop()], 'message-delta-missing-output-tokens', /output_tokens is undefined/],
    ['null stop_reason', [messageStart(), messageDelta(null), messageStop()], 'null-stop-reason', /stop_reason is null/],
    ['OpenAI stop_reason', [messageStart(), messageDelta('stop'), messageStop()], 'stop-reason-not-anthropic', /not an Anthropic value/],
    ['no message_stop', [messageStart(), textStart(0), blockStop(0), messageDelta()], 'no-message-stop', /without message_stop/],
    ['duplicate message_stop', [...goodTextStream(), messageStop()], 'duplicate-message-stop', /Received message_stop without a current message/],
    ['event after message_stop', [...goodTextStream(), messageDelta()], 'event-after-message-stop', /after message_stop/],
    ['[DONE] sentinel', [...goodTextStream(), dataOnly('[DONE]')], 'done-sentinel', /\[DONE\]/],
    ['in-stream error', [messageStart(), ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })], 'error-event', /overloaded_error: Overloaded/],
    ['empty stream', [], 'no-message-start', /request ended without sending any chunks/],
  ];

  it.each(cases)('%s → %s', (_name, events, code, message) => {
    const found = checkStream(events);
    const hit = found.find((v) => v.code === code);
    expect(hit, `codes found: ${found.map((v) => v.code).join(', ')}`).toBeDefined();
    expect(hit?.message).toMatch(message);
    expect(hit?.rule).toBe(VIOLATION_RULES[code]);
  });

  it('points at the offending frame and keeps it as evidence', () => {
    const events = [messageStart(), textStart(0), jsonDelta(0, '{}'), blockStop(0), messageDelta(), messageStop()];
    const [v] = checkStream(events);
    expect(v?.eventIndex).toBe(2);
    expect(v?.evidence).toBe(events[2]?.raw);
  });

  it('reports end-of-stream problems at events.length with the last frame as evidence', () => {
    const events = [messageStart(), textStart(0), blockStop(0), messageDelta()];
    const v = checkStream(events).find((x) => x.code === 'no-message-stop');
    expect(v?.eventIndex).toBe(4);
    expect(v?.evidence).toBe(events[3]?.raw);
  });

  it('reports a data-only stream both as unnamed frames and as having no message_start', () => {
    const found = codes(goodTextStream().map((e) => dataOnly(e.data)));
    expect(found).toContain('frame-without-event');
    expect(found).toContain('no-message-start');
  });

  it('truncates huge evidence', () => {
    const big = dataOnly(JSON.stringify({ type: 'content_block_delta', text: 'x'.repeat(10_000) }));
    const [v] = checkStream([big]);
    expect(v?.evidence.length).toBeLessThan(2200);
  });
});
