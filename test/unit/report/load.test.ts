import { describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { checkRunResult, parseJsonFile } from '../../../src/report/load.ts';
import { sampleResult } from '../../support/sample-result.ts';

function badInput(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).exitCode).toBe(2);
    return (err as BenchError).message;
  }
  throw new Error('expected BAD_INPUT');
}

describe('reading a results file', () => {
  it('names the file, the line and column of a JSON syntax error', () => {
    expect(badInput(() => parseJsonFile('{\n  "a": 1,\n  oops\n}', 'r.json'))).toMatch(/^r\.json is not valid JSON at line 3, column 3: /);
  });

  it('names the JSON path and what was expected for a schema violation', () => {
    const bad = JSON.parse(JSON.stringify(sampleResult())) as { conformance: { checks: { status: string }[] } };
    (bad.conformance.checks[0] as { status: string }).status = 'passed';
    expect(badInput(() => checkRunResult(bad, 'r.json'))).toBe(
      'r.json is not a valid claude-bench results file: /conformance/checks/0/status: must be equal to one of the allowed values (pass, fail, warn, skip, error)',
    );
    const { target: _t, ...noTarget } = sampleResult();
    expect(badInput(() => checkRunResult(noTarget, 'r.json'))).toMatch(/\(top level\): must have required property 'target'/);
    expect(badInput(() => checkRunResult({ ...sampleResult(), schema_version: '0.9.0' }, 'r.json'))).toBe('r.json: /schema_version is "0.9.0", expected "1.0.0"');
    expect(badInput(() => checkRunResult([], 'r.json'))).toMatch(/\(top level\): must be object/);
  });

  it('accepts a valid result', () => {
    expect(checkRunResult(JSON.parse(JSON.stringify(sampleResult())), 'r.json').target.kind).toBe('embedded');
  });
});
