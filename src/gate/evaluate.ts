/**
 * The regression gate: a pure function of two RunResults and a config.
 * Conformance: a check that held and now fails or errors is a regression.
 * Perf: per metric and concurrency, a change beyond the tolerance AND beyond
 * the run-to-run noise. The CLI turns `passed` into the exit code.
 */
import { BenchError } from '../errors.ts';
import type { RunResult } from '../types.ts';
import { compareConformance } from './conformance.ts';
import { compareFingerprints } from './fingerprint.ts';
import { comparePerf } from './perf.ts';
import { DEFAULT_NOISE, defaultThresholds } from './thresholds.ts';
import type { GateConfig, GateResult, GateRunRef } from './types.ts';

/** Default thresholds and noise options. */
export function defaultGateConfig(): GateConfig {
  return { thresholds: defaultThresholds(), noise: DEFAULT_NOISE };
}

function ref(label: string, r: RunResult): GateRunRef {
  return { label, started_at: r.started_at, target: r.target.description, emulated: r.target.emulated };
}

/**
 * Compare `current` against `baseline`. Every part the baseline has must be
 * in the current run (else BenchError BAD_INPUT: the runs are of different
 * kinds); parts only the current run has are noted, not judged.
 */
export function evaluateGate(baseline: RunResult, current: RunResult, config: GateConfig = defaultGateConfig()): GateResult {
  const notes: string[] = [];
  if (!baseline.conformance && !baseline.perf) {
    throw new BenchError('BAD_INPUT', 'the baseline has neither conformance nor perf results: nothing to compare against');
  }
  if (baseline.conformance && !current.conformance) {
    throw new BenchError('BAD_INPUT', 'the baseline has conformance results but the current run has none', {
      hint: 'gate a conform run against a conform baseline (and a perf run against a perf baseline)',
    });
  }
  if (baseline.perf && !current.perf) {
    throw new BenchError('BAD_INPUT', 'the baseline has perf results but the current run has none', {
      hint: 'gate a perf run against a perf baseline (and a conform run against a conform baseline)',
    });
  }
  if (current.conformance && !baseline.conformance) notes.push('the current run has conformance results the baseline lacks: not compared');
  if (current.perf && !baseline.perf) notes.push('the current run has perf results the baseline lacks: not compared');
  if (current.partial) notes.push('the current run was interrupted (partial): missing checks show as removed');
  if (baseline.partial) notes.push('the baseline run was interrupted (partial)');

  const conformance = baseline.conformance && current.conformance ? compareConformance(baseline.conformance, current.conformance) : null;
  const perf = baseline.perf && current.perf ? comparePerf(baseline.perf, current.perf, config.thresholds, config.noise) : null;
  if (perf && perf.unmatched.baseline.length > 0) notes.push(`concurrency only in the baseline (not compared): ${perf.unmatched.baseline.join(', ')}`);
  if (perf && perf.unmatched.current.length > 0) notes.push(`concurrency only in the current run (not compared): ${perf.unmatched.current.join(', ')}`);
  if (perf && current.target.emulated) notes.push("EMULATED backend: the perf figures are the emulator's, not hardware results");
  if (perf && perf.metrics.length === 0) notes.push('no perf metric could be compared (no common concurrency level, or no thresholds)');

  const regressions = (conformance?.regressions.length ?? 0) + (perf?.metrics.filter((m) => m.status === 'fail').length ?? 0);
  const n = config.noise;
  return {
    passed: regressions === 0,
    regressions,
    baseline: ref('baseline', baseline),
    current: ref('current', current),
    conformance,
    perf,
    fingerprint: compareFingerprints(baseline, current, { perf: perf !== null }),
    notes,
    method:
      `a perf change counts only when the ${Math.round(n.confidence * 100)}% percentile-bootstrap interval of the difference ` +
      `(${n.resamples} resamples of the per-request samples, seed ${n.seed}) lies wholly past the allowed change`,
  };
}
