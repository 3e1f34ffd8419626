import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/gate/index.ts';
import { renderPerfSummary, renderSideBySide } from '../../../src/report/console.ts';
import { renderGateTable } from '../../../src/report/gate-table.ts';
import { perfResult, syntheticRun } from '../../support/perf-sample.ts';
import { sampleResult, verdict } from '../../support/sample-result.ts';

describe('console renderers for perf, side by side and the gate', () => {
  it('prints one row per load level and the verdicts with measured / documented / ceiling', () => {
    const text = renderPerfSummary(perfResult([syntheticRun({ concurrency: 2, requests: 10, ttftMs: 100, itlMs: 10, tokens: 10 })]), { color: false });
    expect(text).toContain('perf (profile e5-2680) [EMULATED: not a hardware result]');
    expect(text).toMatch(/│ 2\s+│ 10\s+│ 0\s+│/);
    expect(text).toContain('FAIL output_tokens_per_s_p50: measured 7.10, documented 8–12, ceiling 18.5');
    expect(renderPerfSummary(sampleResult(), { color: false })).toBe('');
  });

  it('lists only the checks whose status differs between runs', () => {
    const a = sampleResult([verdict({ id: 'S1' }), verdict({ id: 'S2' })]);
    const b = { ...sampleResult([verdict({ id: 'S1' }), verdict({ id: 'S2', status: 'fail' })]), target: { ...a.target, description: 'LiteLLM' } };
    const text = renderSideBySide([a, b], { color: false });
    expect(text).toContain('B: LiteLLM');
    expect(text).toContain('1 of 2 checks differ:');
    expect(text).toMatch(/S2\s+│ PASS\s+│ FAIL/);
    expect(text).not.toMatch(/│ S1 /);
    expect(renderSideBySide([a, a], { color: false })).toContain('all 2 checks have the same status in every run');
  });

  it('prints the gate diff with ✓/✗ and a final verdict line', () => {
    const base = sampleResult([verdict({ id: 'S1' })]);
    const text = renderGateTable(evaluateGate(base, sampleResult([verdict({ id: 'S1', status: 'fail' })])), { color: false });
    expect(text).toMatch(/│ ✗ │ S1 block indices sequential/);
    expect(text.trim().split('\n').at(-1)).toBe('✗ gate failed: 1 regression(s)');
    expect(renderGateTable(evaluateGate(base, base), { color: false }).trim().split('\n').at(-1)).toBe('✓ gate passed: no regression');
  });
});
