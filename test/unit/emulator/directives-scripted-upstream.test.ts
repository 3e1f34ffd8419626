/**
 * The directive keys that make the emulator a scriptable upstream for
 * conformance checks: think, calls, message, retry_after, echo.
 */
import { describe, expect, it } from 'vitest';
import { parseDirectives } from '../../../src/emulator/directives.ts';
import { buildPlan } from '../../../src/emulator/plan.ts';
import { resolveReply } from '../../../src/emulator/reply.ts';
import type { ChatRequest } from '../../../src/emulator/request.ts';

function request(content: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'm',
    messages: [{ role: 'user', content }],
    tools: [],
    toolChoice: 'none',
    stop: [],
    stream: true,
    includeUsage: true,
    continuousUsage: false,
    ignoreEos: false,
    promptTokens: 10,
    budget: 1000,
    ...extra,
  };
}

const TOOLS = [
  { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  { name: 'get_time', parameters: { type: 'object', properties: {} } },
];

function plan(req: ChatRequest, budget = req.budget) {
  let n = 0;
  return buildPlan({ reply: resolveReply(req, { rules: [] }), budget, stop: req.stop, ignoreEos: false, makeToolCallId: () => `call-${++n}` });
}

describe('parseDirectives: scripted-upstream keys', () => {
  it('parses think, message, retry_after, calls and a bare echo', () => {
    const { directive, problems } = parseDirectives(
      `[[emulate think="first, reason" fail=429 message="slow down" retry_after=7 calls='[{"name":"a","arguments":{"x":1}},{"name":"b"}]' echo]]`,
    );
    expect(problems).toEqual([]);
    expect(directive).toEqual({
      think: 'first, reason',
      failStatus: 429,
      failMessage: 'slow down',
      retryAfterSeconds: 7,
      calls: [{ name: 'a', arguments: { x: 1 } }, { name: 'b' }],
      echo: true,
    });
  });

  it('rejects malformed calls and a valued echo, keeping the rest', () => {
    const { directive, problems } = parseDirectives(`[[emulate calls='{"name":"a"}' echo=maybe retry_after=-2 say=ok]]`);
    expect(directive).toEqual({ say: 'ok' });
    expect(problems).toHaveLength(3);
    expect(parseDirectives(`[[emulate calls='[{"arguments":{}}]']]`).problems[0]).toMatch(/calls/);
  });
});

describe('the emulator plan with think', () => {
  it('streams reasoning_content deltas before the answer and counts them as output', () => {
    const p = plan(request('q [[emulate think="Let me think." say="Yes."]]'));
    const kinds = p.steps.map((s) => Object.keys(s.delta)[0] ?? '');
    const firstContent = kinds.indexOf('content');
    expect(firstContent).toBeGreaterThan(0);
    expect(kinds.slice(0, firstContent).every((k) => k === 'reasoning_content')).toBe(true);
    expect(p.reasoning).toBe('Let me think.');
    expect(p.content).toBe('Yes.');
    expect(p.completionTokens).toBe(p.steps.length);
  });

  it('applies stop strings to the answer only, never to the reasoning', () => {
    const p = plan(request('q [[emulate think="STOP is a word" say="one STOP two"]]', { stop: ['STOP'] }));
    expect(p.reasoning).toBe('STOP is a word');
    expect(p.content).toBe('one ');
    expect(p.finishReason).toBe('stop');
    expect(p.stopReason).toBe('STOP');
  });

  it('a budget spent inside the reasoning ends with length and no answer', () => {
    const p = plan(request('q [[emulate think="a b c d e f" say="never"]]'), 3);
    expect(p.finishReason).toBe('length');
    expect(p.content).toBe('');
    expect(p.steps).toHaveLength(3);
  });

  it('has no reasoning without think', () => {
    expect(plan(request('q [[emulate say="hi"]]')).reasoning).toBeNull();
  });
});

describe('the emulator plan with calls', () => {
  it('calls every offered tool in order and skips tools not offered', () => {
    const req = request(`q [[emulate calls='[{"name":"get_weather","arguments":{"city":"Oslo"}},{"name":"nope"},{"name":"get_time"}]']]`, {
      tools: TOOLS,
      toolChoice: 'auto',
    });
    const p = plan(req);
    expect(p.toolCalls.map((c) => [c.name, c.arguments])).toEqual([
      ['get_weather', '{"city": "Oslo"}'],
      ['get_time', '{}'],
    ]);
    expect(p.finishReason).toBe('tool_calls');
  });

  it('combines say and think with calls: reasoning, then text, then the calls', () => {
    const req = request(`q [[emulate think="hm" say="Checking." calls='[{"name":"get_time"}]']]`, { tools: TOOLS, toolChoice: 'auto' });
    const kinds = plan(req).steps.map((s) => Object.keys(s.delta)[0] ?? 'eos');
    expect(kinds[0]).toBe('reasoning_content');
    expect(kinds.indexOf('content')).toBeLessThan(kinds.indexOf('tool_calls'));
  });
});

describe('resolveReply: fail details and echo', () => {
  it('carries the failure message and retry-after', () => {
    const r = resolveReply(request('[[emulate fail=529 message="busy" retry_after=2]]'), { rules: [] });
    expect([r.failStatus, r.failMessage, r.retryAfterSeconds]).toEqual([529, 'busy', 2]);
  });

  it('an echo chooses the answer even with tools offered, and calls none', () => {
    const r = resolveReply(request('[[emulate echo]]', { tools: TOOLS, toolChoice: 'auto' }), { rules: [] });
    expect(r.echo).toBe(true);
    expect(r.toolCalls).toEqual([]);
    expect(r.source).toBe('directive');
  });
});
