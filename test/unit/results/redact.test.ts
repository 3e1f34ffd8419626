import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/results/redact.ts';
import { REDACTED, redactSecrets } from '../../../src/secrets.ts';
import { summarizeVerdicts } from '../../../src/results/summarize.ts';
import { verdict } from '../../support/sample-result.ts';

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    const text = 'key=sk-abc123 again sk-abc123 and tok-999999';
    expect(redactSecrets(text, ['sk-abc123', 'tok-999999'])).toBe(`key=${REDACTED} again ${REDACTED} and ${REDACTED}`);
  });
  it('also replaces a secret in its JSON-escaped form, and a longer secret before one it contains', () => {
    const key = 'sk-"quoted"\\x';
    const json = JSON.stringify({ key, note: `k=${key}` });
    expect(redactSecrets(json, [key])).toBe(JSON.stringify({ key: REDACTED, note: `k=${REDACTED}` }));
    expect(redactSecrets('abcd-long and abcd', ['abcd', 'abcd-long'])).toBe(`${REDACTED} and ${REDACTED}`);
  });
  it('ignores empty and very short secrets instead of shredding the text', () => {
    expect(redactSecrets('a b c', ['', 'a'])).toBe('a b c');
  });
  it('strips credentials from URLs', () => {
    expect(redactUrl('http://user:pw@127.0.0.1:3456/')).toBe('http://127.0.0.1:3456');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('summarizeVerdicts', () => {
  it('counts statuses and failed or errored blockers', () => {
    const s = summarizeVerdicts([
      verdict({ status: 'pass' }),
      verdict({ status: 'fail', severity: 'blocker' }),
      verdict({ status: 'fail', severity: 'degraded' }),
      verdict({ status: 'error', severity: 'blocker' }),
      verdict({ status: 'warn', severity: 'cosmetic' }),
    ]);
    expect(s).toEqual({ pass: 1, fail: 2, warn: 1, skip: 0, error: 1, blockers: 2 });
  });
});
