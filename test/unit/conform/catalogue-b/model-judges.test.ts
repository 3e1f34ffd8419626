/** Judges of tools, thinking, stop reasons and usage, on hand-made answers. */
import { describe, expect, it } from 'vitest';
import { readAnswer, type Answer } from '../../../../src/conform/checks/scripted.ts';
import { judgeStopSequence, STOP_SEQUENCE } from '../../../../src/conform/checks/stop-catalogue.ts';
import { reasoningLeak, thinkingShapeProblems } from '../../../../src/conform/checks/thinking.ts';
import { firstDifference, judgeTextThenTool } from '../../../../src/conform/checks/tools-catalogue.ts';
import { judgeCacheAccounting, judgeCountTokens, usageCounts } from '../../../../src/conform/checks/usage-catalogue.ts';
import type { SseEvent } from '../../../../src/types.ts';
import { blockStop, ev, jsonDelta, messageDelta, messageStart, messageStop, textDelta, textStart, toolStart } from '../sse-fixtures.ts';
import { jsonObs, message, obs, streamObs } from './fixtures.ts';

function streamed(events: SseEvent[]): Answer {
  const read = readAnswer(streamObs(events), 'test');
  if (!read.ok) throw new Error(read.outcome.detail);
  return read.value;
}

function plain(body: Record<string, unknown>): Answer {
  const read = readAnswer(jsonObs(200, body), 'test');
  if (!read.ok) throw new Error(read.outcome.detail);
  return read.value;
}

const thinkStart = (i: number) => ev('content_block_start', { index: i, content_block: { type: 'thinking', thinking: '', signature: '' } });
const thinkDelta = (i: number, t: string) => ev('content_block_delta', { index: i, delta: { type: 'thinking_delta', thinking: t } });
const sigDelta = (i: number) => ev('content_block_delta', { index: i, delta: { type: 'signature_delta', signature: 'c2ln' } });

describe('thinkingShapeProblems', () => {
  it('accepts thinking first, with thinking and signature deltas', () => {
    const a = streamed([messageStart(), thinkStart(0), thinkDelta(0, 'hmm'), sigDelta(0), blockStop(0), textStart(1), textDelta(1, '391'), blockStop(1), messageDelta(), messageStop()]);
    expect(thinkingShapeProblems(a)).toEqual([]);
  });

  it('flags a missing signature_delta and thinking after text', () => {
    const unsigned = streamed([messageStart(), thinkStart(0), thinkDelta(0, 'hmm'), blockStop(0), messageDelta(), messageStop()]);
    expect(thinkingShapeProblems(unsigned).join()).toMatch(/without a signature_delta/);
    const late = plain(message([{ type: 'text', text: '391' }, { type: 'thinking', thinking: 'hmm', signature: 's' }]));
    expect(thinkingShapeProblems(late).join()).toMatch(/thinking must come first/);
    const noSig = plain(message([{ type: 'thinking', thinking: 'hmm' }]));
    expect(thinkingShapeProblems(noSig).join()).toMatch(/signature undefined/);
  });
});

describe('reasoningLeak', () => {
  it('finds <think> tags, the scripted reasoning in text, and thinking deltas in a text block', () => {
    expect(reasoningLeak(plain(message([{ type: 'text', text: '<think>x</think>391' }])), false)).toMatch(/<think>/);
    expect(reasoningLeak(plain(message([{ type: 'text', text: 'so 391. cb-reasoning-7Q 391' }])), true)).toMatch(/reasoning appears/);
    const intoText = streamed([messageStart(), textStart(0), thinkDelta(0, 'hmm'), blockStop(0), messageDelta(), messageStop()]);
    expect(reasoningLeak(intoText, false)).toMatch(/thinking_delta sent into block 0/);
    expect(reasoningLeak(plain(message([{ type: 'text', text: '391' }])), true)).toBeNull();
  });
});

describe('judgeTextThenTool', () => {
  const call = [toolStart(1), jsonDelta(1, '{"city":"Paris"}'), blockStop(1)];
  it('passes text closed before the call', () => {
    expect(judgeTextThenTool(streamed([messageStart(), textStart(0), textDelta(0, 'Checking.'), blockStop(0), ...call, messageDelta('tool_use'), messageStop()]), 'x', true).outcome.status).toBe('pass');
  });
  it('fails a text block left open under the call, and a call swallowed on a scripted upstream', () => {
    const open = judgeTextThenTool(streamed([messageStart(), textStart(0), textDelta(0, 'Checking.'), ...call, blockStop(0), messageDelta('tool_use'), messageStop()]), 'x', true);
    expect(open.outcome.status).toBe('fail');
    const swallowed = streamed([messageStart(), textStart(0), textDelta(0, '\n\n'), blockStop(0), messageDelta('end_turn'), messageStop()]);
    expect(judgeTextThenTool(swallowed, 'x', true).outcome.status).toBe('fail');
    expect(judgeTextThenTool(swallowed, 'x', false).counted).toBe(false);
  });
});

describe('firstDifference', () => {
  it('says where text was cut or changed', () => {
    expect(firstDifference('abcdef', 'abc')).toMatch(/cut after 3 of 6/);
    expect(firstDifference('a "b" c', 'a \\"b\\" c')).toMatch(/first difference at character 2/);
  });
});

describe('judgeStopSequence', () => {
  const answer = (text: string, stop_reason: string, stop_sequence: string | null) => plain(message([{ type: 'text', text }], { stop_reason, stop_sequence }));
  it('passes stop_sequence with the matched string', () => {
    expect(judgeStopSequence(answer('alpha beta gamma ', 'stop_sequence', STOP_SEQUENCE), 'x', true).outcome.status).toBe('pass');
  });
  it('fails a sequence not applied, a wrong stop_sequence field, and a stop reported as end_turn', () => {
    expect(judgeStopSequence(answer(`alpha beta gamma ${STOP_SEQUENCE} delta`, 'end_turn', null), 'x', false).outcome.status).toBe('fail');
    expect(judgeStopSequence(answer('alpha beta gamma ', 'stop_sequence', null), 'x', false).outcome.status).toBe('fail');
    expect(judgeStopSequence(answer('alpha beta gamma ', 'end_turn', null), 'x', false).outcome.status).toBe('fail');
  });
  it('does not judge a model that never wrote the sequence', () => {
    expect(judgeStopSequence(answer('Sure, here you go.', 'end_turn', null), 'x', false).counted).toBe(false);
  });
});

describe('usage accounting', () => {
  it('reads counts, rejecting negatives and non-integers', () => {
    expect(usageCounts({ input_tokens: 10, output_tokens: 1, cache_read_input_tokens: null })).toEqual({ input: 10, creation: 0, read: 0, total: 10 });
    expect(usageCounts({ input_tokens: -5 })).toMatch(/negative/);
    expect(usageCounts({ input_tokens: 1.5 })).toMatch(/input_tokens/);
  });

  it('passes cached tokens counted once, fails double counting and drift', () => {
    expect(judgeCacheAccounting({ input_tokens: 1500 }, { input_tokens: 20, cache_read_input_tokens: 1480 }).status).toBe('pass');
    expect(judgeCacheAccounting({ input_tokens: 1500 }, { input_tokens: 1500, cache_read_input_tokens: 1480 })).toMatchObject({ status: 'fail', detail: expect.stringMatching(/still includes/) });
    expect(judgeCacheAccounting({ input_tokens: 1500 }, { input_tokens: 900 }).status).toBe('fail');
    expect(judgeCacheAccounting({ input_tokens: 1500 }, { input_tokens: 1500 }).status).toBe('pass');
  });

  it('compares count_tokens with the tokens a request used (±10 %), skipping when not offered', () => {
    const used = jsonObs(200, message([], { usage: { input_tokens: 100, output_tokens: 1 } }));
    expect(judgeCountTokens(jsonObs(200, { input_tokens: 95 }), used, false).status).toBe('pass');
    expect(judgeCountTokens(jsonObs(200, { input_tokens: 60 }), used, false).status).toBe('fail');
    expect(judgeCountTokens(obs({ status: 404, body: '{}' }), used, false).status).toBe('skip');
  });
});
