import { describe, expect, it } from 'vitest';
import { parseList, parsePort, parseSeconds, parseTargetUrl } from '../../../src/cli/options.ts';
import { conformExitCode } from '../../../src/cli/run-conform.ts';
import { resolveApiKey } from '../../../src/cli/run-session.ts';
import { verdict } from '../../support/sample-result.ts';

describe('option parsers', () => {
  it('normalises a target like ANTHROPIC_BASE_URL', () => {
    expect(parseTargetUrl('http://127.0.0.1:3456/')).toBe('http://127.0.0.1:3456');
    expect(parseTargetUrl('http://127.0.0.1:3456/v1')).toBe('http://127.0.0.1:3456');
    expect(() => parseTargetUrl('ftp://x')).toThrow(/http/);
    expect(() => parseTargetUrl('nope')).toThrow(/URL/);
  });
  it('parses seconds, ports and lists', () => {
    expect(parseSeconds('2.5')).toBe(2.5);
    expect(() => parseSeconds('0')).toThrow();
    expect(() => parseSeconds('abc')).toThrow();
    expect(parsePort('0')).toBe(0);
    expect(() => parsePort('70000')).toThrow();
    expect(parseList('core, ,extra')).toEqual(['core', 'extra']);
  });
  it('resolves the key as Claude Code does', () => {
    expect(resolveApiKey('flag', { ANTHROPIC_API_KEY: 'env' })).toBe('flag');
    expect(resolveApiKey(undefined, { ANTHROPIC_API_KEY: 'env', ANTHROPIC_AUTH_TOKEN: 'tok' })).toBe('env');
    expect(resolveApiKey(undefined, { ANTHROPIC_AUTH_TOKEN: 'tok' })).toBe('tok');
    expect(resolveApiKey(undefined, {})).toBe('');
  });
});

describe('conformExitCode', () => {
  it('is 1 for a failed blocker or an errored check, 0 for degraded failures unless strict', () => {
    expect(conformExitCode([verdict()], false)).toBe(0);
    expect(conformExitCode([verdict({ status: 'fail', severity: 'blocker' })], false)).toBe(1);
    expect(conformExitCode([verdict({ status: 'error', severity: 'cosmetic' })], false)).toBe(1);
    expect(conformExitCode([verdict({ status: 'fail', severity: 'degraded' })], false)).toBe(0);
    expect(conformExitCode([verdict({ status: 'fail', severity: 'degraded' })], true)).toBe(1);
    expect(conformExitCode([verdict({ status: 'warn', severity: 'blocker' })], true)).toBe(0);
  });
});
