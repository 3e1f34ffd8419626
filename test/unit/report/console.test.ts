import { describe, expect, it } from 'vitest';
import { renderConformance, sanitizeForTerminal } from '../../../src/report/console.ts';
import { sampleResult, verdict } from '../../support/sample-result.ts';

describe('renderConformance', () => {
  it('lists every check with status and labels an emulated backend', () => {
    const text = renderConformance(
      sampleResult([verdict(), verdict({ id: 'G2', status: 'fail', severity: 'degraded', detail: 'output_tokens was 0' })]),
      { color: false },
    );
    expect(text).toContain('EMULATED');
    expect(text).toMatch(/S3.*PASS/s);
    expect(text).toMatch(/G2.*FAIL/s);
    expect(text).toContain('What to fix first:');
    expect(text).toContain('output_tokens was 0');
    expect(text).not.toContain('\u001b['); // no colour when asked for none
  });

  it('neutralises terminal escapes a server could smuggle into a detail', () => {
    const hostile = 'ok\u001b[2J\u001b]0;owned\u0007 done';
    const text = renderConformance(sampleResult([verdict({ detail: hostile })]), { color: false });
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(sanitizeForTerminal('a\u001b[31mb')).toBe('ab');
  });
});
