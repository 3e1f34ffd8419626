import { describe, expect, it } from 'vitest';
import { validateRunResult } from '../../../src/results/validate.ts';
import { sampleResult, verdict } from '../../support/sample-result.ts';

describe('validateRunResult', () => {
  it('accepts a well-formed result', () => {
    expect(validateRunResult(sampleResult()).ok).toBe(true);
  });

  it('names the field and what was expected for a bad status', () => {
    const bad = sampleResult([{ ...verdict(), status: 'passed' as never }]);
    const r = validateRunResult(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.join('\n')).toContain('/conformance/checks/0/status');
    expect(r.errors.join('\n')).toContain('pass, fail, warn, skip, error');
  });

  it('rejects unknown top-level fields and missing required ones', () => {
    const { target: _omit, ...noTarget } = sampleResult();
    const r1 = validateRunResult({ ...noTarget, extra: 1 });
    expect(r1.ok).toBe(false);
    if (r1.ok) return;
    const text = r1.errors.join('\n');
    expect(text).toContain("must have required property 'target'");
    expect(text).toContain("'extra'");
  });

  it('rejects a wrong schema version and a bad timestamp', () => {
    const r = validateRunResult({ ...sampleResult(), schema_version: '0.9', started_at: 'yesterday' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.some((e) => e.startsWith('/schema_version'))).toBe(true);
    expect(r.errors.some((e) => e.startsWith('/started_at'))).toBe(true);
  });
});
