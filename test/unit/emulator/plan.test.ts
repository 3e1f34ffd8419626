import { describe, expect, it } from 'vitest';
import { buildPlan, findStop, textDeltasWithHoldback, type Plan } from '../../../src/emulator/plan.ts';
import type { ResolvedReply } from '../../../src/emulator/reply.ts';
import { splitIntoTokens } from '../../../src/emulator/tokens.ts';

function reply(partial: Partial<ResolvedReply>): ResolvedReply {
  return { textTokens: [], toolCalls: [], toolMode: 'auto', source: 'test', problems: [], seed: 1, ...partial };
}

let ids = 0;
function plan(r: ResolvedReply, opts: { budget?: number; stop?: string[]; ignoreEos?: boolean } = {}): Plan {
  return buildPlan({
    reply: r,
    budget: opts.budget ?? 1000,
    stop: opts.stop ?? [],
    ignoreEos: opts.ignoreEos ?? false,
    makeToolCallId: () => `chatcmpl-tool-${++ids}`,
  });
}

const contentOf = (p: Plan): string => p.steps.map((s) => (typeof s.delta['content'] === 'string' ? s.delta['content'] : '')).join('');

describe('buildPlan: text', () => {
  it('emits one step per token plus the end-of-sequence token, finish stop', () => {
    const p = plan(reply({ textTokens: ['Hello', ' there', '.'] }));
    expect(p.steps.map((s) => s.delta)).toEqual([{ content: 'Hello' }, { content: ' there' }, { content: '.' }, { content: '' }]);
    expect(p.finishReason).toBe('stop');
    expect(p.stopReason).toBeNull();
    expect(p.completionTokens).toBe(4);
    expect(p.content).toBe('Hello there.');
  });

  it('caps at the budget with finish length (no end-of-sequence token)', () => {
    const p = plan(reply({ textTokens: ['a', ' b', ' c', ' d'] }), { budget: 2 });
    expect(p.steps).toHaveLength(2);
    expect(p.finishReason).toBe('length');
    expect(p.content).toBe('a b');
    // Exactly enough budget for the text but not the EOS token: still "length", as vLLM.
    expect(plan(reply({ textTokens: ['a', ' b'] }), { budget: 2 }).finishReason).toBe('length');
    expect(plan(reply({ textTokens: ['a', ' b'] }), { budget: 3 }).finishReason).toBe('stop');
  });

  it('an empty answer is one empty end-of-sequence delta', () => {
    const p = plan(reply({ textTokens: [] }));
    expect(p.steps.map((s) => s.delta)).toEqual([{ content: '' }]);
    expect(p.content).toBe('');
    expect(p.completionTokens).toBe(1);
  });

  it('ignore_eos writes filler until the budget, finish length', () => {
    const p = plan(reply({ textTokens: ['Hi'] }), { budget: 10, ignoreEos: true });
    expect(p.completionTokens).toBe(10);
    expect(p.finishReason).toBe('length');
    expect(contentOf(p).startsWith('Hi ')).toBe(true);
  });
});

describe('buildPlan: stop strings', () => {
  const text = 'The answer is 42. STOP here and more';

  it('cuts before the stop string, reports it as stop_reason, and never leaks a partial match', () => {
    const p = plan(reply({ textTokens: splitIntoTokens(text) }), { stop: ['STOP'] });
    expect(p.finishReason).toBe('stop');
    expect(p.stopReason).toBe('STOP');
    expect(p.content).toBe('The answer is 42. ');
    expect(contentOf(p)).toBe('The answer is 42. ');
    let sent = '';
    for (const s of p.steps) {
      sent += String(s.delta['content'] ?? '');
      expect(sent.includes('S')).toBe(false);
    }
    // The stop token itself is generated (counted) but its text is not sent.
    const stopIndex = splitIntoTokens(text).findIndex((t) => t.includes('STOP'));
    expect(p.completionTokens).toBe(stopIndex + 1);
  });

  it('takes the first stop string in list order that appears, like vLLM', () => {
    const found = findStop(splitIntoTokens('alpha beta gamma'), ['gamma', 'beta']);
    expect(found?.matched).toBe('beta');
    expect(findStop(splitIntoTokens('alpha'), ['zeta'])).toBeUndefined();
    expect(findStop(['a'], [''])).toBeUndefined();
  });

  it('finds a stop string that spans tokens', () => {
    const p = plan(reply({ textTokens: ['ab', 'c<', '/en', 'd>tail'] }), { stop: ['</end>'] });
    expect(p.content).toBe('abc');
    expect(p.stopReason).toBe('</end>');
    expect(p.completionTokens).toBe(4);
  });

  it('holds back max(len(stop))-1 characters while streaming; the rest goes with the finish', () => {
    expect(textDeltasWithHoldback(['abcd', 'efgh', 'ij'], ['XYZ'], undefined)).toEqual({ deltas: ['ab', 'cdef', 'gh'], rest: 'ij' });
    expect(textDeltasWithHoldback(['ab', 'cd'], [], undefined)).toEqual({ deltas: ['ab', 'cd'], rest: '' });
    expect(textDeltasWithHoldback(['abcd', 'eSTOP'], ['STOP'], 5)).toEqual({ deltas: ['a', 'bcde'], rest: '' });
  });

  it('natural end with stop strings set: the end-of-sequence delta carries the held text', () => {
    const p = plan(reply({ textTokens: ['Hello', ' world'] }), { stop: ['\n\n\n'] });
    expect(p.steps.map((s) => s.delta)).toEqual([{ content: 'Hel' }, { content: 'lo wor' }, { content: 'ld' }]);
    expect(p.content).toBe('Hello world');
    expect(p.finishReason).toBe('stop');
  });

  it('does not split a surrogate pair when holding back', () => {
    const { deltas, rest } = textDeltasWithHoldback(['a😀', 'b'], ['xy'], undefined);
    expect(deltas.join('') + rest).toBe('a😀b');
    for (const d of [...deltas, rest]) expect(Buffer.from(d, 'utf8').toString('utf8')).toBe(d);
  });

  it('a budget cut before the stop string ends with length and flushes held text', () => {
    const p = plan(reply({ textTokens: splitIntoTokens(text) }), { stop: ['STOP'], budget: 3 });
    expect(p.finishReason).toBe('length');
    expect(p.content).toBe(splitIntoTokens(text).slice(0, 3).join(''));
  });
});

describe('buildPlan: tool calls', () => {
  const call = { name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}' };

  it('auto: name alone first (hermes style), then argument fragments, finish tool_calls', () => {
    const p = plan(reply({ textTokens: ['Let', ' me', ' check'], toolCalls: [call] }));
    const deltas = p.steps.map((s) => s.delta);
    expect(deltas[3]).toEqual({ tool_calls: [{ id: p.toolCalls[0]?.id, type: 'function', index: 0, function: { name: 'get_weather' } }] });
    const args = deltas
      .slice(4)
      .map((d) => ((d['tool_calls'] as Array<{ function: { arguments?: string } }> | undefined)?.[0]?.function.arguments ?? ''))
      .join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(deltas.at(-1)).toEqual({});
    expect(p.finishReason).toBe('tool_calls');
    expect(p.content).toBe('Let me check');
    expect(p.toolCalls).toEqual([{ id: expect.stringMatching(/^chatcmpl-tool-/), name: 'get_weather', arguments: call.arguments }]);
    expect(p.completionTokens).toBe(p.steps.length);
  });

  it('auto with no text: content null in the full response', () => {
    const p = plan(reply({ toolCalls: [call, { name: 'b', arguments: '{}' }] }));
    expect(p.content).toBeNull();
    expect(p.toolCalls.map((c) => c.name)).toEqual(['get_weather', 'b']);
    const starts = p.steps.filter((s) => (s.delta['tool_calls'] as Array<{ id?: string }> | undefined)?.[0]?.id);
    expect(starts).toHaveLength(2);
  });

  it('named: first delta carries name and the first argument text, finish stop', () => {
    const p = plan(reply({ toolCalls: [call], toolMode: 'named' }));
    const first = (p.steps[0]?.delta['tool_calls'] as Array<{ function: { name: string; arguments: string } }>)[0];
    expect(first?.function.name).toBe('get_weather');
    expect(first?.function.arguments.length).toBeGreaterThan(0);
    expect(p.finishReason).toBe('stop');
    expect(p.content).toBe('');
  });

  it('a budget cut inside the arguments ends with length and partial arguments', () => {
    const p = plan(reply({ toolCalls: [call] }), { budget: 3 });
    expect(p.finishReason).toBe('length');
    expect(p.steps).toHaveLength(3);
    expect(call.arguments.startsWith(p.toolCalls[0]?.arguments ?? 'x')).toBe(true);
    expect(p.toolCalls[0]?.arguments.length).toBeLessThan(call.arguments.length);
  });
});
