import { describe, expect, it } from 'vitest';
import { accumulateStream } from '../../../src/conform/stream-accumulator.ts';
import { blockStop, dataOnly, goodTextStream, goodToolStream, jsonDelta, messageDelta, messageStart, messageStop, ping, textDelta, toolStart } from './sse-fixtures.ts';

describe('accumulateStream', () => {
  it('builds the final message as Claude Code would', () => {
    const acc = accumulateStream(goodToolStream());
    expect(acc.violations).toEqual([]);
    expect(acc.message?.stop_reason).toBe('tool_use');
    expect(acc.message?.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(acc.message?.usage).toEqual({ input_tokens: 12, output_tokens: 20 });
    expect(acc.toolCalls[0]).toMatchObject({ index: 1, json: '{"city": "Paris"}', deltas: 3 });
  });

  it('discards input given only in content_block_start (Claude Code sees {})', () => {
    const acc = accumulateStream([messageStart(), toolStart(0, { city: 'Paris' }), blockStop(0), messageDelta('tool_use'), messageStop()]);
    expect(acc.message?.content[0]?.['input']).toEqual({});
    expect(acc.toolCalls[0]?.startInput).toEqual({ city: 'Paris' });
    expect(acc.toolCalls[0]?.deltas).toBe(0);
  });

  it('flags partial_json that does not join into JSON', () => {
    const acc = accumulateStream([messageStart(), toolStart(0), jsonDelta(0, '{"city": "Pa'), blockStop(0), messageDelta('tool_use'), messageStop()]);
    const v = acc.violations.find((x) => x.code === 'tool-input-not-json');
    expect(v?.rule).toBe('U1');
    expect(v?.eventIndex).toBe(3);
    expect(acc.toolCalls[0]?.input).toBeUndefined();
  });

  it('keeps message_start input_tokens when message_delta omits them, overwrites output_tokens', () => {
    const acc = accumulateStream([messageStart({ input_tokens: 40, output_tokens: 1 }), messageDelta('end_turn', { output_tokens: 9, input_tokens: null }), messageStop()]);
    expect(acc.message?.usage).toEqual({ input_tokens: 40, output_tokens: 9 });
  });

  it('returns no message when the stream has no usable message_start', () => {
    const acc = accumulateStream(goodTextStream().map((e) => dataOnly(e.data)));
    expect(acc.message).toBeNull();
    expect(acc.violations.length).toBeGreaterThan(0);
  });

  it('ignores pings and stops at message_stop', () => {
    const acc = accumulateStream([...goodTextStream(), ping(), textDelta(0, ' ignored')]);
    expect(acc.message?.content).toEqual([{ type: 'text', text: 'Hello world' }]);
  });
});
