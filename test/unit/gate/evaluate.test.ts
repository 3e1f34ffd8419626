import { describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { classifyChange, compareFingerprints, evaluateGate, parseGateConfig } from '../../../src/gate/index.ts';
import type { PerfRun, RunResult } from '../../../src/types.ts';
import { perfResult, perfRunFromSamples, syntheticRun, type SyntheticLoad } from '../../support/perf-sample.ts';
import { sampleResult, verdict } from '../../support/sample-result.ts';

const LOAD: SyntheticLoad = { concurrency: 4, requests: 40, ttftMs: 200, itlMs: 20, tokens: 40, jitter: 0.08 };

function perfAt(runs: PerfRun[]): RunResult {
  return perfResult(runs);
}

describe('conformance part of the gate', () => {
  it('classifies moves: held → broken is a regression, nothing else is', () => {
    expect(classifyChange('pass', 'fail')).toBe('regression');
    expect(classifyChange('pass', 'error')).toBe('regression');
    expect(classifyChange('warn', 'fail')).toBe('regression');
    expect(classifyChange('fail', 'pass')).toBe('fixed');
    expect(classifyChange('pass', 'warn')).toBe('changed');
    expect(classifyChange('skip', 'fail')).toBe('changed');
    expect(classifyChange('fail', 'fail')).toBe('same');
    expect(classifyChange(null, 'fail')).toBe('new');
    expect(classifyChange('pass', null)).toBe('removed');
  });

  it('fails on a check that passed and now fails; lists new and removed checks without failing on them', () => {
    const base = sampleResult([verdict({ id: 'A', status: 'pass' }), verdict({ id: 'B', status: 'fail' }), verdict({ id: 'GONE', status: 'pass' })]);
    const same = evaluateGate(base, sampleResult([verdict({ id: 'A', status: 'pass' }), verdict({ id: 'B', status: 'fail' }), verdict({ id: 'NEW', status: 'fail' })]));
    expect(same.passed).toBe(true);
    expect(same.conformance).toMatchObject({ regressions: [], added: ['NEW'], removed: ['GONE'] });

    const broken = evaluateGate(base, sampleResult([verdict({ id: 'A', status: 'error' }), verdict({ id: 'B', status: 'pass' }), verdict({ id: 'GONE', status: 'pass' })]));
    expect(broken.passed).toBe(false);
    expect(broken.regressions).toBe(1);
    expect(broken.conformance).toMatchObject({ regressions: ['A'], fixed: ['B'] });
  });
});

describe('perf part of the gate', () => {
  it('passes two runs of the same timing (different per-request noise)', () => {
    const gate = evaluateGate(perfAt([syntheticRun({ ...LOAD, seed: 1 })]), perfAt([syntheticRun({ ...LOAD, seed: 2 })]));
    expect(gate.passed).toBe(true);
    expect(gate.perf?.metrics.map((m) => m.metric)).toEqual(['ttft_ms', 'ttft_ms', 'tpot_ms', 'e2el_ms', 'output_tokens_per_s', 'throughput_tokens_per_s', 'error_rate']);
    for (const m of gate.perf?.metrics ?? []) expect(['pass', 'improved', 'noise']).toContain(m.status);
  });

  it('fails a 30 % slowdown on every latency and speed metric, with the interval past the tolerance', () => {
    const slow = syntheticRun({ ...LOAD, ttftMs: LOAD.ttftMs * 1.3, itlMs: LOAD.itlMs * 1.3, seed: 2 });
    const gate = evaluateGate(perfAt([syntheticRun({ ...LOAD, seed: 1 })]), perfAt([slow]));
    expect(gate.passed).toBe(false);
    const failed = gate.perf?.metrics.filter((m) => m.status === 'fail').map((m) => `${m.metric} ${m.expression}`);
    expect(failed).toEqual([
      'ttft_ms p(50)<+10%',
      'ttft_ms p(95)<+15%',
      'tpot_ms p(50)<+10%',
      'e2el_ms p(99)<+20%',
      'output_tokens_per_s p(50)>-10%',
      'throughput_tokens_per_s value>-10%',
    ]);
    const ttft = gate.perf?.metrics[0];
    expect(ttft?.delta_fraction).toBeGreaterThan(0.2);
    expect(ttft?.ci?.[0]).toBeGreaterThan(ttft?.bound ?? Infinity);
    expect(ttft?.reason).toMatch(/lies wholly past the allowed \+10%/);
  });

  it('calls a change past the tolerance but within the noise "noise", not a regression', () => {
    const base = [100, 150, 50, 120, 80, 200, 60, 170];
    const run = (xs: number[]): PerfRun => perfRunFromSamples(1, { ttft: xs, tpot: xs, e2el: xs, tps: xs }, 10);
    const config = parseGateConfig({ thresholds: { ttft_ms: ['p(50)<+10%'], tpot_ms: [], e2el_ms: [], output_tokens_per_s: [], throughput_tokens_per_s: [], error_rate: [] } });
    const gate = evaluateGate(perfAt([run(base)]), perfAt([run(base.map((x) => x * 1.2))]), config);
    expect(gate.perf?.metrics).toHaveLength(1);
    expect(gate.perf?.metrics[0]?.status).toBe('noise');
    expect(gate.perf?.metrics[0]?.reason).toMatch(/within run-to-run noise/);
    expect(gate.passed).toBe(true);
  });

  it('skips a metric with too few samples and judges the error rate from counts', () => {
    const few = perfRunFromSamples(1, { ttft: [1, 2, 3], tpot: [1, 2, 3], e2el: [1, 2, 3], tps: [1, 2, 3] }, 10);
    const gate = evaluateGate(perfAt([few]), perfAt([few]));
    expect(gate.perf?.metrics.find((m) => m.metric === 'ttft_ms')).toMatchObject({ status: 'skip', reason: expect.stringMatching(/3 ttft_ms sample\(s\): too few/) });

    const ok = syntheticRun({ ...LOAD, seed: 1 });
    const failing = { ...syntheticRun({ ...LOAD, seed: 2 }), requests: { ok: 40, failed: 10, errors_by_kind: { http_500: 10 } } };
    const errGate = evaluateGate(perfAt([ok]), perfAt([failing]));
    expect(errGate.perf?.metrics.find((m) => m.metric === 'error_rate')).toMatchObject({ status: 'fail', baseline: 0, current: 0.2 });
  });

  it('matches runs by concurrency and lists the levels found on one side only', () => {
    const gate = evaluateGate(perfAt([syntheticRun({ ...LOAD, concurrency: 1 }), syntheticRun({ ...LOAD, concurrency: 2 })]), perfAt([syntheticRun({ ...LOAD, concurrency: 2, seed: 5 }), syntheticRun({ ...LOAD, concurrency: 8 })]));
    expect(new Set(gate.perf?.metrics.map((m) => m.concurrency))).toEqual(new Set([2]));
    expect(gate.perf?.unmatched).toEqual({ baseline: [1], current: [8] });
    expect(gate.notes.join('\n')).toMatch(/only in the baseline \(not compared\): 1/);
  });

  it('is deterministic: the same inputs give the same intervals', () => {
    const a = perfAt([syntheticRun({ ...LOAD, seed: 1 })]);
    const b = perfAt([syntheticRun({ ...LOAD, seed: 3 })]);
    expect(evaluateGate(a, b)).toEqual(evaluateGate(a, b));
  });

  it('refuses runs of different kinds', () => {
    const perf = perfAt([syntheticRun(LOAD)]);
    expect(() => evaluateGate(perf, sampleResult())).toThrow(BenchError);
    expect(() => evaluateGate(perf, sampleResult())).toThrow(/baseline has perf results but the current run has none/);
    const { conformance: _c, ...noConformance } = sampleResult();
    expect(() => evaluateGate(sampleResult(), { ...noConformance, perf: perf.perf } as RunResult)).toThrow(/conformance results but the current run has none/);
  });
});

describe('fingerprints', () => {
  it('compares the machine only when perf is compared, the target always', () => {
    const a = sampleResult();
    const b = { ...a, environment: { ...a.environment, cpu_model: 'Intel Xeon E5-2680', cpu_cores: 48 } };
    expect(compareFingerprints(a, b, { perf: false })).toEqual({ same: true, differences: [] });
    expect(compareFingerprints(a, b, { perf: true }).differences).toEqual(['environment.cpu_model: test cpu → Intel Xeon E5-2680', 'environment.cpu_cores: 2 → 48']);
    const c = { ...a, target: { ...a.target, kind: 'external' as const, emulated: false } };
    expect(compareFingerprints(a, c, { perf: false }).differences).toEqual(['target.kind: embedded → external', 'target.emulated: true → false']);
  });
});
