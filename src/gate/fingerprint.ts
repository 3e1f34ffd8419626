/**
 * Are two runs comparable? The target's kind and whether its backend was
 * emulated always matter; the machine (CPU model, cores, architecture) matters
 * for perf figures only: conformance verdicts do not depend on the CPU.
 */
import type { RunResult } from '../types.ts';
import type { FingerprintComparison } from './types.ts';

/** Compare what makes two runs comparable. `perf`: also compare the machine. */
export function compareFingerprints(baseline: RunResult, current: RunResult, options: { readonly perf: boolean }): FingerprintComparison {
  const differences: string[] = [];
  const diff = (name: string, a: unknown, b: unknown): void => {
    if (a !== b) differences.push(`${name}: ${String(a)} → ${String(b)}`);
  };
  diff('target.kind', baseline.target.kind, current.target.kind);
  diff('target.emulated', baseline.target.emulated, current.target.emulated);
  if (options.perf) {
    diff('environment.cpu_model', baseline.environment.cpu_model, current.environment.cpu_model);
    diff('environment.cpu_cores', baseline.environment.cpu_cores, current.environment.cpu_cores);
    diff('environment.arch', baseline.environment.arch, current.environment.arch);
  }
  return { same: differences.length === 0, differences };
}
