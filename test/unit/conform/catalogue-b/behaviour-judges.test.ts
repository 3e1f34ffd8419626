import { describe, expect, it } from 'vitest';
import { billingPlacement, completeAnswer, concurrentProblem, startupProblems } from '../../../../src/conform/checks/behaviour.ts';
import { PASSTHROUGH_BETA, PASSTHROUGH_FIELD, anthropicPassthroughProblems, translatedPassthroughProblems } from '../../../../src/conform/checks/passthrough.ts';
import type { Echo } from '../../../../src/conform/checks/scripted.ts';
import { goodTextStream, messageStart, textDelta, textStart } from '../sse-fixtures.ts';
import { errorObs, jsonObs, message, obs, streamObs } from './fixtures.ts';

describe('completeAnswer and concurrentProblem', () => {
  it('accepts a finished stream or a Message, refuses a cut stream', () => {
    expect(completeAnswer(streamObs(goodTextStream()), 'x')).toBeNull();
    expect(completeAnswer(jsonObs(200, message([{ type: 'text', text: 'ok' }])), 'x')).toBeNull();
    expect(completeAnswer(streamObs([messageStart(), textStart(0), textDelta(0, 'cut')]), 'x')).toMatch(/never finished/);
    expect(completeAnswer(errorObs(500, 'api_error', 'x'), 'x')).toMatch(/500/);
  });

  it('accepts 429/529 only with retry-after', () => {
    expect(concurrentProblem(errorObs(429, 'rate_limit_error', 'slow', { 'retry-after': '2' }), 'x')).toBeNull();
    expect(concurrentProblem(errorObs(529, 'overloaded_error', 'busy'), 'x')).toMatch(/without retry-after/);
  });
});

describe('billingPlacement', () => {
  it('tells stripped, moved after the stable prompt, and in front', () => {
    const stable = 'You are Claude Code, run by claude-bench.\nrules';
    expect(billingPlacement({ messages: [{ role: 'system', text: stable }] })).toBe('absent');
    expect(billingPlacement({ messages: [{ role: 'system', text: `${stable}\nx-anthropic-billing-header: cch=1;` }] })).toBe('after-stable');
    expect(billingPlacement({ messages: [{ role: 'system', text: `x-anthropic-billing-header: cch=1;\n${stable}` }] })).toBe('before-stable');
    expect(billingPlacement({ system: [{ text: 'x-anthropic-billing-header: cch=1;' }, { text: stable }], messages: [] })).toBe('before-stable');
  });
});

describe('startupProblems', () => {
  const probe = jsonObs(200, message([{ type: 'text', text: 'Q' }], { stop_reason: 'max_tokens' }));
  const topic = jsonObs(200, message([{ type: 'text', text: '{}' }]));
  it('accepts a counted or a cleanly absent count_tokens', () => {
    expect(startupProblems(probe, topic, jsonObs(200, { input_tokens: 12 }))).toEqual([]);
    expect(startupProblems(probe, topic, obs({ status: 404, body: '{}' }))).toEqual([]);
  });
  it('reports a refused probe and a broken count_tokens', () => {
    const problems = startupProblems(errorObs(400, 'invalid_request_error', 'max_tokens too small'), topic, errorObs(500, 'api_error', 'x'));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/quota/);
  });
});

describe('pass-through judges', () => {
  const echo = (headers: Record<string, string>, body: Record<string, unknown>): Echo => ({ path: '/v1/messages', query: 'beta=true', activeGenerations: 0, headers, body });

  it('an Anthropic upstream must get the beta header, the version and unknown fields verbatim', () => {
    const good = echo({ 'anthropic-beta': PASSTHROUGH_BETA, 'anthropic-version': '2023-06-01' }, { [PASSTHROUGH_FIELD]: { probe: 'cb-7Q', nested: [1, 'two'] }, stop_sequences: ['CBPASS'] });
    expect(anthropicPassthroughProblems(good)).toEqual([]);
    expect(anthropicPassthroughProblems(echo({}, {}))).toHaveLength(4);
  });

  it('an OpenAI upstream must get max_tokens, temperature and stop translated', () => {
    expect(translatedPassthroughProblems({ ...echo({}, { max_tokens: 1024, temperature: 0.25, stop: ['CBPASS'] }), path: '/v1/chat/completions' })).toEqual([]);
    const lost = translatedPassthroughProblems({ ...echo({}, { max_tokens: 1024, temperature: 0.25 }), path: '/v1/chat/completions' });
    expect(lost).toEqual([expect.stringMatching(/stop_sequences was not translated/)]);
  });
});
