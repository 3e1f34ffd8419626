import { describe, expect, it } from 'vitest';
import { assessClaudeEnv, normalizeBaseUrl } from '../../../src/live/claude-env.ts';
import type { Target } from '../../../src/types.ts';

const external: Target = { baseUrl: 'http://127.0.0.1:3456', apiKey: 'k', model: 'm', kind: 'external', emulated: false, description: 'x' };
const embedded: Target = { ...external, kind: 'embedded', emulated: true };

describe('assessClaudeEnv', () => {
  it('fails an external target when ANTHROPIC_BASE_URL is unset, at the Anthropic API, not a URL, or ending in /v1', () => {
    for (const [env, words] of [
      [{}, 'is not set'],
      [{ ANTHROPIC_BASE_URL: 'https://api.anthropic.com' }, 'the Anthropic API'],
      [{ ANTHROPIC_BASE_URL: 'not a url' }, 'is not a URL'],
      [{ ANTHROPIC_BASE_URL: 'http://127.0.0.1:3456/v1' }, 'appends /v1/messages'],
    ] as const) {
      const a = assessClaudeEnv(env, external);
      expect(a.kind).toBe('done');
      if (a.kind !== 'done') continue;
      expect(a.status).toBe('fail');
      expect(a.detail).toContain(words);
      expect(a.detail).toContain('export ANTHROPIC_BASE_URL=http://127.0.0.1:3456');
    }
  });

  it('warns when it points at another gateway; skips on the embedded stack unless it points at it', () => {
    const other = assessClaudeEnv({ ANTHROPIC_BASE_URL: 'http://10.0.0.5:4000', ANTHROPIC_API_KEY: 'k' }, external);
    expect(other).toMatchObject({ kind: 'done', status: 'warn' });
    expect(assessClaudeEnv({}, embedded)).toMatchObject({ kind: 'done', status: 'skip' });
    expect(assessClaudeEnv({ ANTHROPIC_BASE_URL: 'https://api.anthropic.com' }, embedded)).toMatchObject({ kind: 'done', status: 'skip' });
  });

  it('fails without any key, and asks for a key probe otherwise (localhost = 127.0.0.1, trailing slash ignored)', () => {
    expect(assessClaudeEnv({ ANTHROPIC_BASE_URL: 'http://localhost:3456/' }, external)).toMatchObject({ kind: 'done', status: 'fail' });
    expect(assessClaudeEnv({ ANTHROPIC_BASE_URL: 'http://localhost:3456/', ANTHROPIC_AUTH_TOKEN: 't' }, external)).toEqual({
      kind: 'probe-key',
      probe: { auth: 'bearer', key: 't', variable: 'ANTHROPIC_AUTH_TOKEN' },
      note: '',
    });
    const both = assessClaudeEnv({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:3456', ANTHROPIC_API_KEY: 'a', ANTHROPIC_AUTH_TOKEN: 't' }, embedded);
    expect(both).toMatchObject({ kind: 'probe-key', probe: { auth: 'x-api-key', key: 'a' } });
    if (both.kind === 'probe-key') expect(both.note).toContain('both');
  });

  it('normalizes base URLs for comparison', () => {
    expect(normalizeBaseUrl('http://localhost:80/')).toBe(normalizeBaseUrl('http://127.0.0.1'));
    expect(normalizeBaseUrl('https://gw.example/x/')).toBe('https://gw.example:443/x');
    expect(normalizeBaseUrl('::')).toBeUndefined();
  });
});
