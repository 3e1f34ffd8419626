import { describe, expect, it } from 'vitest';
import { parseDirectives } from '../../../src/emulator/directives.ts';

describe('parseDirectives', () => {
  it('returns null when there is no directive', () => {
    expect(parseDirectives('just a question').directive).toBeNull();
    expect(parseDirectives('[[emulated tokens=3]]').directive).toBeNull();
  });

  it('parses bare and quoted values with escapes', () => {
    const { directive, problems } = parseDirectives(
      'before [[emulate tokens=50 say="a \\"quoted\\" line\\nnext" tool=get_weather args=\'{"city":"Paris"}\' ttft=120 itl=2.5 abort_after=3 fail=503]] after',
    );
    expect(problems).toEqual([]);
    expect(directive).toEqual({
      tokens: 50,
      say: 'a "quoted" line\nnext',
      tool: 'get_weather',
      args: { city: 'Paris' },
      ttftMs: 120,
      itlMs: 2.5,
      abortAfterTokens: 3,
      failStatus: 503,
    });
  });

  it('keeps UTF-8 text intact and accepts an empty say', () => {
    expect(parseDirectives('[[emulate say="héllo 世界 😀"]]').directive).toEqual({ say: 'héllo 世界 😀' });
    expect(parseDirectives('[[emulate say=""]]').directive).toEqual({ say: '' });
  });

  it('merges several directives, later wins', () => {
    const { directive } = parseDirectives('[[emulate tokens=5]] text [[emulate tokens=9 tool=x]]');
    expect(directive).toEqual({ tokens: 9, tool: 'x' });
  });

  it('reports bad values and unknown keys but keeps the good ones', () => {
    const { directive, problems } = parseDirectives('[[emulate tokens=-1 ttft=abc args=\'[1]\' fail=200 colour=red say=ok]]');
    expect(directive).toEqual({ say: 'ok' });
    expect(problems).toHaveLength(5);
  });

  it('flags an unterminated directive', () => {
    const parsed = parseDirectives('[[emulate say="never closed');
    expect(parsed.directive).toBeNull();
    expect(parsed.problems[0]).toMatch(/unterminated/);
  });
});
